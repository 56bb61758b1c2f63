"""Plain-text mail whose lines reach the reader whole.

Left to itself the email package sends a body with a line longer than 78 characters as quoted-printable,
which cuts that line with soft breaks ("=" at a line's end): an emailed link then shows in two pieces in
the console and in mail readers that show the raw text. RFC 5322 allows lines of up to 998 characters, so
such a body goes out unencoded instead, 7bit when it is ASCII and 8bit otherwise.
"""

import email.policy

from django.conf import settings
from django.core.mail import EmailMessage

MAX_LINE_LENGTH = 998  # RFC 5322, 2.1.1, without the CRLF


class WholeLinesEmail(EmailMessage):
    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        charset = self.encoding or settings.DEFAULT_CHARSET
        lines = self.body.encode(charset).splitlines()
        if msg.is_multipart() or any(len(line) > MAX_LINE_LENGTH for line in lines):
            return msg
        cte = "7bit" if self.body.isascii() else "8bit"
        msg.set_content(self.body, subtype=self.content_subtype, charset=charset, cte=cte)
        return msg


def send_mail(*, subject, message, recipient_list, from_email=None):
    """Like django.core.mail.send_mail, for a plain-text message whose lines must stay whole (links)."""
    return WholeLinesEmail(subject=subject, body=message, from_email=from_email, to=recipient_list).send()
