"""The local SMTP sink of a first run (`make run`): it keeps what it receives and stops cleanly."""

import mailbox
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage

from django.conf import settings

from tests.sending.smtp_server import free_port


def wait_for_port(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the sink did not answer on {port}")


def test_the_sink_keeps_each_message_in_a_maildir_accepts_any_login_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "smtp_sink", "--port", str(port), "--dir", str(tmp_path / "mail")],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "demo@example.com", "ada@example.com", "Hello"
        message.set_content("Kept, not delivered.")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.login("anyone", "anything")
            smtp.send_message(message)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)

    kept = list(mailbox.Maildir(tmp_path / "mail", create=False))
    assert [(item["To"], item["Subject"]) for item in kept] == [("ada@example.com", "Hello")]
    assert process.returncode == 0, output
