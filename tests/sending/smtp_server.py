"""A real SMTP server for the tests: aiosmtpd on a loopback port, keeping what it receives.

``SmtpServer.start(...)`` answers like a mail provider: AUTH with one username and password (a wrong one
is refused with 535), and a recipient's fate by the address: ``RCPT TO`` answers ``reply_for(address)``
when one is set (``"451 4.7.1 Try again later"``, ``"550 5.1.1 No such user"``), else 250.
"""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class _Handler:
    server: "SmtpServer"

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        reply = self.server.replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 Message accepted"


@dataclass
class SmtpServer:
    username: str = "sender@example.com"
    password: str = "correct horse battery staple"
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    # Lower-cased recipient -> the reply its RCPT TO gets instead of 250.
    replies: dict[str, str] = field(default_factory=dict)
    logins: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        if ok:
            with self.lock:
                self.logins += 1
        return AuthResult(success=ok, handled=False)

    def start(self) -> "SmtpServer":
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
            auth_required=True,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def messages_to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [item.message for item in self.received if address in item.rcpt_tos]
