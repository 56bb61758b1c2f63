"""The email of one step of a sequence for one lead (rules 18 and 21): rendered subject and plain-text body,
our own Message-ID, threading under the lead's earlier messages, and the unsubscribe headers.

Built with the email package's compat32 classes (MIMENonMultipart): the scheduler composes every message
it sends, and the newer EmailMessage parses and refolds each header it is given, several times slower."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime, formataddr, make_msgid

from campaigns.models import Campaign, Step
from campaigns.templating import lead_values, render
from leads.models import Lead
from sending.models import Mailbox
from sending.unsubscribing import make_token, unsubscribe_url

LINE_END = re.compile(rb"\r?\n")
MAX_LINE_LENGTH = 998  # RFC 5322, 2.1.1, without the CRLF


@dataclass(frozen=True)
class Composed:
    message: Message
    message_id: str
    subject: str
    in_reply_to: str


def subject_for(steps: Sequence[Step], step: Step, values: dict[str, str]) -> str:
    """The step's subject rendered; an empty one threads under the first step's ("Re: …")."""
    if step.subject.strip():
        return render(step.subject, values)
    first = render(steps[0].subject, values) if steps else ""
    return f"Re: {first}" if first else ""


def compose(
    *,
    campaign: Campaign,
    lead: Lead,
    mailbox: Mailbox,
    steps: Sequence[Step],
    step: Step,
    earlier_message_ids: Sequence[str],
    now: datetime,
) -> Composed:
    """The message of ``step`` for ``lead`` sent from ``mailbox``; ``earlier_message_ids`` are the lead's
    earlier messages of this campaign, oldest first (the last one is the one it replies to)."""
    link = unsubscribe_url(
        make_token(workspace_id=campaign.workspace_id, lead_id=lead.pk, campaign_id=campaign.pk)
    )
    values = lead_values(lead) | {
        "sender_name": mailbox.from_name,
        "sender_email": mailbox.email,
        "unsubscribe_url": link,
    }
    subject = subject_for(steps, step, values)
    body = render(step.body, values)
    message_id = make_msgid(domain=mailbox.email.rpartition("@")[2] or None)

    charset = _charset(body)
    message = MIMENonMultipart("text", "plain", charset=str(charset))
    message.set_payload(body, charset)
    message["From"] = formataddr((mailbox.from_name, mailbox.email), charset="utf-8")
    message["To"] = lead.email
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    in_reply_to = earlier_message_ids[-1] if earlier_message_ids else ""
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join(earlier_message_ids)
    message["List-Unsubscribe"] = f"<{link}>, <mailto:{mailbox.email}?subject=unsubscribe>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return Composed(message=message, message_id=message_id, subject=subject, in_reply_to=in_reply_to)


def smtp_bytes(message: Message) -> bytes:
    """The message as SMTP's DATA carries it: every line ended by CRLF (smtplib fixes only str data)."""
    return LINE_END.sub(b"\r\n", message.as_bytes(policy=compat32))


def _charset(body: str) -> Charset:
    """Plain text whose lines reach the reader whole (as core.mail does): unencoded (7bit, or 8bit UTF-8)
    when every line fits RFC 5322's 998 characters, quoted-printable only when one does not."""
    if body.isascii() and all(len(line) <= MAX_LINE_LENGTH for line in body.splitlines()):
        return Charset("us-ascii")
    charset = Charset("utf-8")
    long_lines = any(len(line.encode()) > MAX_LINE_LENGTH for line in body.splitlines())
    charset.body_encoding = QP if long_lines else None  # type: ignore[assignment]
    return charset
