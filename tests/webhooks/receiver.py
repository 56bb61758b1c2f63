"""A real HTTP server on a loopback port, in a thread, that receives webhook requests: it keeps each one
(path, headers, raw body) and answers as told, one answer per request (200 once told nothing)."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# An answer that comes after the client stopped waiting (posting.TIMEOUT_SECONDS is lowered in the tests).
SLOW = "slow"
SLOW_SECONDS = 1.5


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict
    body: bytes


class Receiver:
    def __init__(self):
        self.requests: list[Received] = []
        self.answers: list = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == SLOW:
                    time.sleep(SLOW_SECONDS)
                    answer = 200
                try:
                    self.send_response(answer)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(f"answer {answer}".encode())
                except OSError:
                    pass  # the client stopped waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/hooks", host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
