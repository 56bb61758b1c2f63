"""The IMAP poller (rule 23; docs/sending.md, "Replies and bounces").

``poll_mailboxes()`` reads every mailbox with an IMAP server that is not paused, one after another, behind
a PostgreSQL advisory lock (``core.locks``) so that passes never overlap. Per mailbox: its INBOX selected
read-only (nothing is marked Seen, bodies are fetched with BODY.PEEK), the UIDs above the mailbox's place
read in batches, and each batch's replies and bounces recorded (``sending.inbound``) in one transaction
with the new place.
A new UIDVALIDITY means the server renumbered the folder: it is read again from UID 1, and what was
recorded before (by Message-ID) is passed over.
"""

import imaplib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from time import monotonic

from django.db import transaction
from django.utils import timezone

from core import secrets
from core.locks import held_alone
from sending import services as mailbox_services
from sending.connections import imap_open
from sending.inbound import Inbound, Recorded, inbound_record, internal_date, read_message
from sending.models import Mailbox

logger = logging.getLogger(__name__)

# Messages fetched and recorded per transaction.
BATCH_SIZE = 500
# Bytes read of each message: a reply's own text and a report's status come first; a large attachment
# further on is not needed (and a batch's memory stays bounded).
FETCH_BYTES = 256 * 1024
# A mailbox's share of a pass: one with a huge backlog, or a server that answers slowly, does not keep the
# others waiting for long. Checked between batches.
MAILBOX_PASS_SECONDS = 120
# The advisory lock's key for "a poller pass is running" (the scheduler's is 0x5E9D_0001).
POLL_LOCK_KEY = 0x5E9D_0002
FETCH_UID = re.compile(rb"\bUID (\d+)")


@dataclass
class Polled(Recorded):
    """One mailbox's pass: what it recorded, how many messages it read, and why it stopped early."""

    read: int = 0
    error: str = ""


def poll_mailboxes(*, now: datetime | None = None) -> tuple[int, int] | None:
    """One pass over every mailbox: ``(replies, bounces)`` recorded, or None (nothing read) while another
    pass runs. The lock is held by a transaction of a connection of its own (``core.locks``: safe behind
    PgBouncer): a worker that dies releases it with that connection."""
    with held_alone(POLL_LOCK_KEY) as alone:
        if not alone:
            return None
        total = Recorded()
        mailboxes = (
            Mailbox.objects.unscoped()
            .exclude(imap_host="")
            .exclude(status=Mailbox.Status.PAUSED)
            .select_related("workspace")
            .order_by("pk")
        )
        for mailbox in mailboxes:
            total.add(_poll_safely(mailbox, now))
        return total.replies, total.bounces


def _poll_safely(mailbox: Mailbox, now: datetime | None) -> Recorded:
    """One mailbox's trouble (a bug, a server that breaks off) does not keep the others unread."""
    try:
        return poll_mailbox(mailbox, now=now)
    except Exception:
        logger.exception("polling mailbox %s failed", mailbox.pk)
        return Recorded()


def poll_mailbox(mailbox: Mailbox, *, now: datetime | None = None) -> Polled:
    """Reads ``mailbox``'s new messages and records them. A server that cannot be reached or refuses the
    login puts the mailbox in ``error`` with its words (as the sender does). A connection lost later only
    ends this pass: what was recorded is kept, and the next pass goes on from there."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else timezone.now
    polled = Polled()
    try:
        imap = imap_open(mailbox)
    except (OSError, imaplib.IMAP4.error, secrets.SecretUnreadable) as exc:
        polled.error = mailbox_services.imap_problem(exc, mailbox)
        mailbox_services.mailbox_fail(workspace=mailbox.workspace, mailbox=mailbox, words=polled.error)
        return polled
    try:
        _read_inbox(imap, mailbox, polled, clock)
    except (OSError, imaplib.IMAP4.error) as exc:
        polled.error = mailbox_services.imap_problem(exc, mailbox)
        logger.warning("polling mailbox %s stopped: %s", mailbox.pk, polled.error)
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            imap.shutdown()
    return polled


def _read_inbox(imap: imaplib.IMAP4, mailbox: Mailbox, polled: Polled, clock: Callable[[], datetime]) -> None:
    status, data = imap.select("INBOX", readonly=True)
    if status != "OK":
        raise imaplib.IMAP4.error(f"SELECT INBOX: {data[0]!r}")
    _, validity = imap.response("UIDVALIDITY")
    uidvalidity = int(validity[0]) if validity and validity[0] else None
    after = mailbox.imap_last_uid if mailbox.imap_uidvalidity == uidvalidity else 0
    status, data = imap.uid("SEARCH", f"UID {after + 1}:*")
    if status != "OK":
        raise imaplib.IMAP4.error(f"UID SEARCH: {data[0]!r}")
    # "n:*" always names the highest UID, even one below n: only the new ones are kept.
    uids = sorted(uid for uid in (int(word) for word in (data[0] or b"").split()) if uid > after)
    if not uids:
        _save_place(mailbox, uidvalidity, after, [], clock())
        return
    started = monotonic()
    for start in range(0, len(uids), BATCH_SIZE):
        if monotonic() - started > MAILBOX_PASS_SECONDS:
            # The other mailboxes' turn: this one goes on from its saved place at the next pass.
            polled.error = f"stopped after {MAILBOX_PASS_SECONDS} s; the rest is read at the next pass"
            return
        chunk = uids[start : start + BATCH_SIZE]
        items = _fetch(imap, chunk, mailbox.pk)
        polled.read += len(items)
        polled.add(_save_place(mailbox, uidvalidity, chunk[-1], items, clock()))


def _fetch(imap: imaplib.IMAP4, uids: list[int], mailbox_id: int) -> list[Inbound]:
    """The messages of ``uids`` (ascending, none missing between the first and the last), read and
    classified. BODY.PEEK leaves them unread in the user's mail client."""
    wanted = set(uids)
    status, data = imap.uid(
        "FETCH", f"{uids[0]}:{uids[-1]}", f"(UID INTERNALDATE BODY.PEEK[]<0.{FETCH_BYTES}>)"
    )
    if status != "OK":
        raise imaplib.IMAP4.error(f"UID FETCH: {data[0]!r}")
    items = []
    for entry in data:
        if not isinstance(entry, tuple):
            continue
        line, raw = entry
        found = FETCH_UID.search(line)
        if found is None or int(found.group(1)) not in wanted:
            continue
        uid = int(found.group(1))
        try:
            items.append(read_message(raw, uid=uid, received_at=internal_date(line)))
        except Exception:
            logger.warning("mailbox %s: message UID %s could not be read; passed over", mailbox_id, uid)
    return items


def _save_place(
    mailbox: Mailbox,
    uidvalidity: int | None,
    last_uid: int,
    items: list[Inbound],
    now: datetime,
) -> Recorded:
    """Records ``items`` and moves the mailbox's place to ``last_uid``, in one transaction. The mailbox row
    is locked first: a second pass over the same mailbox (an operator's, say) waits, then skips what this
    one recorded."""
    with transaction.atomic():
        place = (
            Mailbox.objects.for_workspace(mailbox.workspace)
            .select_for_update()
            .filter(pk=mailbox.pk)
            .values_list("imap_uidvalidity", "imap_last_uid")
            .first()
        )
        if place is None:
            return Recorded()
        same_validity = place[0] == uidvalidity
        done = place[1] if same_validity else 0
        if same_validity and done >= last_uid and items:
            return Recorded()
        recorded = inbound_record(mailbox=mailbox, items=[item for item in items if item.uid > done])
        Mailbox.objects.for_workspace(mailbox.workspace).filter(pk=mailbox.pk).update(
            imap_uidvalidity=uidvalidity, imap_last_uid=max(last_uid, done), imap_polled_at=now
        )
    mailbox.imap_uidvalidity, mailbox.imap_last_uid, mailbox.imap_polled_at = uidvalidity, last_uid, now
    return recorded
