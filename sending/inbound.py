"""What the IMAP poller reads (rule 23, docs/sending.md "Replies and bounces"): one raw message parsed and
classified (``read_message``), then a batch of them matched to our messages and recorded (``inbound_record``).

What a message is, in this order:

- a delivery status notification (RFC 3464: a ``message/delivery-status`` part, as Gmail, Microsoft 365
  and Postfix send): each recipient's Action, Status and Diagnostic-Code. Hard: Status 5.x.x with Action
  ``failed``; soft: 4.x.x or Action ``delayed`` (the sending server retries by itself). Matched by the
  Message-ID of the returned message (its ``message/rfc822`` or ``text/rfc822-headers`` part, or the
  report's own In-Reply-To), else by the failed recipient among this mailbox's messages, newest first;
- a mailto unsubscribe (our ``List-Unsubscribe: <mailto:<mailbox>?subject=unsubscribe>``): the subject
  ``unsubscribe`` from an address this mailbox sent to;
- an automatic reply: ``Auto-Submitted`` other than ``no``, ``X-Autoreply``/``X-Autorespond``,
  ``Precedence: auto_reply/bulk/junk``, or an out-of-office subject;
- else a reply. Replies and automatic replies are matched by In-Reply-To/References to one of our
  messages in the mailbox's workspace.

Whatever matches none of our messages is passed over.
"""

import hashlib
import imaplib
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header
from email.message import Message as EmailMessage
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from campaigns import services as campaign_services
from campaigns.models import Campaign, Enrollment
from sending.bounces import bounce_record
from sending.models import Mailbox, Message, Reply
from sending.suppression_services import lead_unsubscribe

REPLY, AUTO_REPLY, BOUNCE, UNSUBSCRIBE = "reply", "auto_reply", "bounce", "unsubscribe"

SNIPPET_LENGTH = 200
BODY_MAX_CHARACTERS = 100_000
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
ENHANCED_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_CODE = re.compile(r"\b([245])\d\d\b")
# Out-of-office subjects as the common clients write them (English, German, French, Spanish, Italian,
# Portuguese, Dutch, Scandinavian, Polish): at the start, or "out of office" anywhere.
AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic|matische|matisch)?[ -]?(reply|response|antwort|antwoord)|auto:|autoreply|"
    r"abwesenheit|réponse automatique|reponse automatique|absence|respuesta automática|"
    r"respuesta automatica|fuera de la oficina|risposta automatica|fuori (sede|ufficio)|"
    r"resposta automática|resposta automatica|ausente|afwezig|autosvar|automatiskt svar|"
    r"odpowiedź automatyczna|on vacation|vacation reply)"
    r"|out of (the )?office",
    re.IGNORECASE,
)
AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk"}
# Who sends delivery reports (the local part of From).
MAIL_SYSTEM_SENDERS = {"mailer-daemon", "postmaster"}
# Where a reply's own text ends and the message it answers begins.
QUOTE_START = re.compile(
    r"^\s*("
    r"(on|le|am|el|il|op|em|den|dnia)\s[^\n]{0,300}(\n[^\n]{0,300})?"
    r"(wrote|a écrit|schrieb|escribió|ha scritto|schreef|escreveu|skrev|napisał)[^\n]{0,300}:[ \t]*$"
    r"|-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original)\s*-{2,}"
    r"|_{20,}"
    r"|(from|von|de|da|van)\s?:\s[^\n]*\n\s*(sent|gesendet|envoyé|enviado|inviato|verzonden|date)\s?:"
    r"|-- ?$"
    r")",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Delivery:
    """One recipient's line of a delivery status notification."""

    recipient: str
    action: str
    status: str
    diagnostic: str

    @property
    def hard(self) -> bool:
        return self.action == "failed" and self.status.startswith("5.")


@dataclass
class Inbound:
    """One message read from the INBOX, parsed and classified (``kind`` empty: nothing we act on)."""

    uid: int
    message_id: str
    kind: str
    from_email: str
    subject: str
    received_at: datetime
    # Message-IDs it names, the most telling first (In-Reply-To, then References newest first; for a
    # report, the returned message's).
    references: tuple[str, ...] = ()
    body: str = ""
    snippet: str = ""
    # A report's failed or delayed recipients, the worst first.
    deliveries: tuple[Delivery, ...] = ()
    # Whether it came the way reports do (an empty Return-Path, from MAILER-DAEMON or postmaster). Anyone
    # can write a report: one that does not name our returned message is matched by its recipient only then.
    from_mail_system: bool = False

    @property
    def bounce(self) -> Delivery | None:
        return self.deliveries[0] if self.deliveries else None


# Reading one message


def read_message(raw: bytes, *, uid: int = 0, received_at: datetime | None = None) -> Inbound:
    """Parses and classifies one raw RFC 5322 message. Never raises on a malformed message: what cannot
    be read is empty. ``received_at`` is the server's arrival time (IMAP INTERNALDATE) if known."""
    message = message_from_bytes(raw, policy=compat32)
    inbound = Inbound(
        uid=uid,
        message_id=_own_message_id(message, raw),
        kind="",
        from_email=parseaddr(_header(message, "From"))[1].strip().lower(),
        subject=_header(message, "Subject"),
        received_at=received_at or _date(message) or datetime.now(UTC),
    )
    report = _delivery_status(message)
    if report is not None:
        inbound.deliveries = _deliveries(report)
        if inbound.deliveries:
            inbound.kind = BOUNCE
            inbound.from_mail_system = _from_mail_system(message, inbound.from_email)
            inbound.references = _unique([*_returned_message_ids(message), *_threading(message)])
            inbound.body = _text(message)
            inbound.snippet = " ".join(inbound.deliveries[0].diagnostic.split())[:SNIPPET_LENGTH]
        return inbound
    if inbound.subject.strip().lower() == "unsubscribe":
        inbound.kind = UNSUBSCRIBE
        return inbound
    inbound.kind = AUTO_REPLY if _automatic(message, inbound.subject) else REPLY
    inbound.references = _threading(message)
    inbound.body = _text(message)
    inbound.snippet = snippet_of(inbound.body)
    return inbound


def _header(message: EmailMessage, name: str) -> str:
    """A header decoded to text (RFC 2047 words, stray 8-bit bytes read as UTF-8) and unfolded; empty if
    absent."""
    value = message.get(name)
    if value is None:
        return ""
    try:
        parts = decode_header(value)
    except (ValueError, LookupError, UnicodeError, AssertionError):
        parts = [(str(value), None)]
    return " ".join("".join(_part_text(part, charset) for part, charset in parts).split())


def _part_text(part: bytes | str, charset: str | None) -> str:
    if isinstance(part, str):
        return part.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        return part.decode(charset if charset and charset != "unknown-8bit" else "utf-8", "replace")
    except LookupError:
        return part.decode("utf-8", "replace")


def _own_message_id(message: EmailMessage, raw: bytes) -> str:
    """Its Message-ID with angle brackets, or, for a message without a usable one, a digest of it."""
    found = MESSAGE_ID.search(_header(message, "Message-ID"))
    if found and len(found.group()) <= 255:
        return found.group()
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@leadpool.invalid>"


def _date(message: EmailMessage) -> datetime | None:
    try:
        sent = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return sent if sent.tzinfo else sent.replace(tzinfo=UTC)


def _threading(message: EmailMessage) -> tuple[str, ...]:
    """In-Reply-To, then References from the newest to the oldest."""
    in_reply_to = MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    references = MESSAGE_ID.findall(_header(message, "References"))
    return _unique([*in_reply_to, *reversed(references)])


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _from_mail_system(message: EmailMessage, from_email: str) -> bool:
    """Whether a report came as mail systems send them (RFC 3464 asks for an empty envelope sender)."""
    if _header(message, "Return-Path").strip() == "<>":
        return True
    return from_email.split("@")[0] in MAIL_SYSTEM_SENDERS


def _automatic(message: EmailMessage, subject: str) -> bool:
    auto_submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if any(message.get(name) is not None for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return True
    if _header(message, "Precedence").lower() in AUTO_PRECEDENCE:
        return True
    return bool(AUTO_SUBJECT.search(subject))


# Delivery status notifications


def _parts(message: EmailMessage) -> Iterator[EmailMessage]:
    """The message and its MIME parts, depth first, without descending into an attached message."""
    yield message
    if message.is_multipart() and not message.get_content_type().startswith("message/"):
        for part in message.get_payload():
            if isinstance(part, EmailMessage):
                yield from _parts(part)


def _delivery_status(message: EmailMessage) -> EmailMessage | None:
    for part in _parts(message):
        if part.get_content_type() == "message/delivery-status":
            return part
    return None


def _field_blocks(report: EmailMessage) -> list[EmailMessage]:
    """The report's blocks of fields: per-message first, then one per recipient."""
    payload = report.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, EmailMessage)]
    # Encoded (base64, quoted-printable) reports are not split by the parser: read them here.
    data = report.get_payload(decode=True)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(payload)
    blocks = re.split(r"\r?\n\s*\r?\n", text.strip())
    return [HeaderParser(policy=compat32).parsestr(block) for block in blocks if block.strip()]


def _typed_address(value: str) -> str:
    """``rfc822; jane@example.com`` → ``jane@example.com``."""
    address = value.split(";", 1)[-1].strip().strip("<>").strip()
    return address.lower()


def _deliveries(report: EmailMessage) -> tuple[Delivery, ...]:
    """The recipients that failed or were delayed, the hard ones first."""
    deliveries = []
    for block in _field_blocks(report)[1:]:
        recipient = _typed_address(_header(block, "Final-Recipient") or _header(block, "Original-Recipient"))
        action = _header(block, "Action").lower().split(" ")[0] if _header(block, "Action") else ""
        diagnostic = _header(block, "Diagnostic-Code")
        diagnostic = diagnostic.split(";", 1)[1].strip() if ";" in diagnostic[:20] else diagnostic
        status = _status(_header(block, "Status"), diagnostic)
        if not recipient or action in ("delivered", "relayed", "expanded"):
            continue
        if action in ("failed", "delayed") or status[:1] in ("4", "5"):
            deliveries.append(Delivery(recipient, action, status, diagnostic))
    return tuple(sorted(deliveries, key=lambda delivery: not delivery.hard))


def _status(status: str, diagnostic: str) -> str:
    """The enhanced status code (``5.1.1``), else the one the diagnostic quotes, else its SMTP code's
    class (``550`` → ``5.0.0``); empty if none says."""
    for text in (status, diagnostic):
        found = ENHANCED_STATUS.search(text)
        if found:
            return ".".join(found.groups())
    code = SMTP_CODE.search(diagnostic)
    return f"{code.group(1)}.0.0" if code else ""


def _returned_message_ids(message: EmailMessage) -> list[str]:
    """The Message-ID of the message a report returns: from its ``message/rfc822`` or
    ``text/rfc822-headers`` part, or the per-message field some servers add."""
    found = []
    for part in _parts(message):
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            returned = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(returned, EmailMessage):
                found += MESSAGE_ID.findall(_header(returned, "Message-ID"))
        elif content_type == "text/rfc822-headers":
            headers = HeaderParser(policy=compat32).parsestr(_decoded(part))
            found += MESSAGE_ID.findall(_header(headers, "Message-ID"))
        elif content_type == "message/delivery-status":
            blocks = _field_blocks(part)
            if blocks:
                found += MESSAGE_ID.findall(_header(blocks[0], "X-Original-Message-ID"))
    return found


# Text


def _decoded(part: EmailMessage) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _text(message: EmailMessage) -> str:
    """The message's own text: its first text/plain part, else its first HTML part as text."""
    html = None
    for part in _parts(message):
        if part.get_content_maintype() != "text" or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_type() == "text/plain":
            return _tidy(_decoded(part))[:BODY_MAX_CHARACTERS]
        if part.get_content_type() == "text/html" and html is None:
            html = part
    return _tidy(html_to_text(_decoded(html)))[:BODY_MAX_CHARACTERS] if html is not None else ""


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _HTMLText(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "ul", "ol", "table", "blockquote", "h1", "h2", "h3", "h4", "hr"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return "\n".join(line.strip() for line in "".join(parser.chunks).split("\n"))


def snippet_of(body: str) -> str:
    """The first ~200 characters of a reply's own text: the quoted message it answers left out."""
    own = QUOTE_START.split(body, maxsplit=1)[0]
    lines = [line for line in own.split("\n") if not line.lstrip().startswith(">")]
    return " ".join(" ".join(lines).split())[:SNIPPET_LENGTH]


def internal_date(fetch_line: bytes) -> datetime | None:
    """The INTERNALDATE of an IMAP FETCH response line (the server's arrival time), aware."""
    found = imaplib.Internaldate2tuple(fetch_line)
    return None if found is None else datetime.fromtimestamp(time.mktime(found), tz=UTC)


# Matching and recording


@dataclass
class Recorded:
    """What a batch recorded: Reply rows by kind, and what they ended."""

    replies: int = 0
    auto_replies: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    unsubscribes: int = 0
    ended: int = 0
    ignored: int = 0

    @property
    def bounces(self) -> int:
        return self.hard_bounces + self.soft_bounces

    def add(self, other: "Recorded") -> None:
        for name in (counted.name for counted in fields(Recorded)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Batch:
    mailbox: Mailbox
    by_message_id: dict[str, Message] = field(default_factory=dict)
    by_recipient: dict[str, Message] = field(default_factory=dict)


def _lookups(mailbox: Mailbox, items: Sequence[Inbound]) -> _Batch:
    """Our messages the batch names, in two queries: by Message-ID in the mailbox's workspace, and by
    recipient among this mailbox's messages (newest first)."""
    batch = _Batch(mailbox)
    workspace = mailbox.workspace
    ids = {reference for item in items for reference in item.references}
    if ids:
        for message in (
            Message.objects.for_workspace(workspace)
            .filter(message_id__in=ids)
            .select_related("campaign", "lead")
        ):
            batch.by_message_id[message.message_id] = message
    recipients = {item.from_email for item in items if item.kind == UNSUBSCRIBE and item.from_email}
    recipients |= {d.recipient for item in items if item.kind == BOUNCE for d in item.deliveries}
    if recipients:
        for message in (
            Message.objects.for_workspace(workspace)
            .filter(
                mailbox=mailbox,
                to_email__in=recipients,
                status__in=[Message.Status.SENT, Message.Status.UNKNOWN],
            )
            .select_related("campaign", "lead")
            .order_by("to_email", "-claimed_at", "-pk")
        ):
            batch.by_recipient.setdefault(message.to_email, message)
    return batch


def _ours(batch: _Batch, item: Inbound) -> Message | None:
    """The message of ours ``item`` answers or reports on, if any."""
    for reference in item.references:
        message = batch.by_message_id.get(reference)
        if message is not None:
            return message
    if item.kind == BOUNCE and item.from_mail_system:
        for delivery in item.deliveries:
            message = batch.by_recipient.get(delivery.recipient)
            if message is not None:
                return message
    if item.kind == UNSUBSCRIBE:
        return batch.by_recipient.get(item.from_email)
    return None


def inbound_record(*, mailbox: Mailbox, items: Sequence[Inbound]) -> Recorded:
    """Records a batch of messages read from ``mailbox`` and does what each means (call inside the
    transaction that also saves the mailbox's place). Read once: a message whose Message-ID this mailbox
    recorded before is passed over, and does nothing again.

    A reply ends its lead's sequence in that campaign as ``replied`` when the campaign stops on reply; a
    hard bounce ends the lead's sequences as ``bounced`` and suppresses the address (``bounce_record``);
    a mailto unsubscribe suppresses and ends them as ``unsubscribed``. Automatic replies and soft bounces
    are recorded and end nothing."""
    workspace = mailbox.workspace
    recorded = Recorded()
    items = [item for item in items if item.kind and item.from_email != mailbox.email.lower()]
    seen = set(
        Reply.objects.for_workspace(workspace)
        .filter(mailbox=mailbox, header_message_id__in=[item.message_id for item in items])
        .values_list("header_message_id", flat=True)
    )
    fresh = []
    for item in items:
        if item.message_id not in seen:
            seen.add(item.message_id)
            fresh.append(item)
    batch = _lookups(mailbox, fresh)
    rows: list[Reply] = []
    replied: dict[int, tuple[Campaign, set[int]]] = {}
    bounced: dict[int, Message] = {}
    bounce_status: dict[int, str] = {}
    unsubscribed: dict[int, Message] = {}
    for item in fresh:
        message = _ours(batch, item)
        if message is None:
            recorded.ignored += 1
            continue
        rows.append(_reply_row(mailbox, item, message))
        if item.kind == UNSUBSCRIBE:
            unsubscribed.setdefault(message.lead_id, message)
            recorded.unsubscribes += 1
        elif item.kind == REPLY:
            recorded.replies += 1
            if message.campaign.stop_on_reply:
                replied.setdefault(message.campaign_id, (message.campaign, set()))[1].add(message.lead_id)
        elif item.kind == AUTO_REPLY:
            recorded.auto_replies += 1
        elif item.bounce is not None and item.bounce.hard:
            recorded.hard_bounces += 1
            bounced.setdefault(message.lead_id, message)
            bounce_status.setdefault(message.lead_id, item.bounce.status)
        else:
            recorded.soft_bounces += 1
    Reply.objects.bulk_create(rows)
    for campaign, lead_ids in replied.values():
        recorded.ended += campaign_services.enrollments_finish(
            workspace=workspace, campaign=campaign, lead_ids=lead_ids, status=Enrollment.Status.REPLIED
        )
    for message in bounced.values():
        recorded.ended += bounce_record(
            workspace=workspace, message=message, status=bounce_status[message.lead_id]
        )
    for message in unsubscribed.values():
        recorded.ended += lead_unsubscribe(workspace=workspace, lead=message.lead).ended
    return recorded


def _reply_row(mailbox: Mailbox, item: Inbound, message: Message) -> Reply:
    bounce = item.bounce
    return Reply(
        workspace=mailbox.workspace,
        mailbox=mailbox,
        message=message,
        campaign_id=message.campaign_id,
        lead_id=message.lead_id,
        kind=Reply.Kind.BOUNCE if item.kind == BOUNCE else item.kind,
        header_message_id=item.message_id,
        imap_uid=item.uid or None,
        from_email=item.from_email[:254],
        subject=item.subject[:998],
        snippet=item.snippet[:300],
        body=item.body,
        bounce_status=bounce.status[:16] if bounce else "",
        bounce_diagnostic=bounce.diagnostic if bounce else "",
        hard_bounce=bool(bounce and bounce.hard),
        received_at=item.received_at,
    )
