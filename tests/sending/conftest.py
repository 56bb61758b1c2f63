import pytest

from tests.sending.smtp_server import SmtpServer


@pytest.fixture
def smtp_server():
    """A real SMTP server on a loopback port that wants AUTH (see tests/sending/smtp_server.py)."""
    server = SmtpServer().start()
    yield server
    server.stop()
