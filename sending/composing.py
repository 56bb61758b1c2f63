"""The email of one step of a sequence for one lead (rules 18 and 21): rendered subject and plain-text body,
our own Message-ID, threading under the lead's earlier messages, and the unsubscribe headers."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from campaigns.models import Campaign, Step
from campaigns.templating import lead_values, render
from leads.models import Lead
from sending.models import Mailbox
from sending.unsubscribing import make_token, unsubscribe_url

MAX_LINE_LENGTH = 998  # RFC 5322, 2.1.1, without the CRLF


@dataclass(frozen=True)
class Composed:
    message: EmailMessage
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

    message = EmailMessage()
    message["From"] = Address(display_name=mailbox.from_name, addr_spec=mailbox.email)
    message["To"] = lead.email
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    in_reply_to = earlier_message_ids[-1] if earlier_message_ids else ""
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join(earlier_message_ids)
    message["List-Unsubscribe"] = f"<{link}>, <mailto:{mailbox.email}?subject=unsubscribe>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    _set_body(message, body)
    return Composed(message=message, message_id=message_id, subject=subject, in_reply_to=in_reply_to)


def _set_body(message: EmailMessage, body: str) -> None:
    """Plain text whose lines reach the reader whole (as core.mail does): unencoded when every line fits
    RFC 5322's 998 characters, quoted-printable only when one does not."""
    if any(len(line.encode()) > MAX_LINE_LENGTH for line in body.splitlines()):
        message.set_content(body)
    else:
        message.set_content(body, cte="7bit" if body.isascii() else "8bit")
