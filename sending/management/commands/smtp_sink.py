"""A local SMTP server that keeps every message it receives and delivers none: the outbox of a first run.

``make run`` starts it on 127.0.0.1:1025 and ``seed_demo`` points the demo mailbox at it, so pressing
Start on the demo campaign sends real messages over SMTP that land in ``var/mail`` (a Maildir: one file
per message under ``new/``) instead of anyone's inbox. It takes any login and any recipient.
"""

import mailbox
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.conf import settings
from django.core.management.base import BaseCommand


class MaildirHandler:
    def __init__(self, folder: Path):
        self.maildir = mailbox.Maildir(folder, create=True)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.maildir.add(envelope.original_content or envelope.content)
        return "250 Kept in the local sink"


def accept_any_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=True)


class Command(BaseCommand):
    help = "Runs a local SMTP server that keeps what it receives in a Maildir (var/mail) and sends nothing."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.SMTP_SINK_PORT)
        parser.add_argument("--dir", default=str(settings.SMTP_SINK_DIR), help="Maildir to keep messages in.")

    def handle(self, *args, host, port, dir, **options):
        controller = Controller(
            MaildirHandler(Path(dir)),
            hostname=host,
            port=port,
            authenticator=accept_any_login,
            auth_require_tls=False,
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        controller.start()
        self.stdout.write(f"SMTP sink on {host}:{port}, keeping messages in {dir}")
        try:
            stop.wait()
        finally:
            controller.stop()
