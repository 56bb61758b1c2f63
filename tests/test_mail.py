"""Plain-text mail keeps each line whole, as the SMTP backend sends it too (core.mail)."""

import email.policy

from core.mail import WholeLinesEmail

LINK = "https://app.leadpool.example.com/invitations/" + "t" * 43 + "/"


def test_a_line_longer_than_78_characters_goes_through_smtp_whole():
    message = WholeLinesEmail(subject="Invited", body=f"Accept: {LINK}\n", to=["grace@example.com"])

    sent = message.message(policy=email.policy.SMTP).as_bytes()

    assert b"Content-Transfer-Encoding: 7bit\r\n" in sent
    assert f"\r\nAccept: {LINK}\r\n".encode() in sent


def test_a_line_beyond_the_998_characters_mail_allows_is_still_encoded():
    message = WholeLinesEmail(subject="Long", body="x" * 1_000 + "\n", to=["grace@example.com"])

    sent = message.message(policy=email.policy.SMTP).as_bytes()

    assert b"Content-Transfer-Encoding: 7bit" not in sent
    assert b"x" * 1_000 not in sent
