import pytest

from tests.sending.dovecot import Dovecot
from tests.sending.smtp_server import SmtpServer


@pytest.fixture
def smtp_server():
    """A real SMTP server on a loopback port that wants AUTH (see tests/sending/smtp_server.py)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def imap_server():
    """A real IMAP server (Dovecot) on a loopback port with one user (see tests/sending/dovecot.py). One
    for the session: it takes a second to start; tests deliver into its INBOX with ``deliver(raw)``."""
    server = Dovecot().start()
    yield server
    server.stop()
