"""The scheduler pass (DESIGN.md rules 18 and 19; docs/sending.md, "The scheduler").

``send_due()`` sends what is due now: for each active campaign inside its schedule window, its active
enrollments whose ``next_send_at`` has come, oldest first, found through the ``enrollment_due`` index (a
pass costs what is due, not how many leads are enrolled). Each message goes from the lead's own mailbox
(one of the campaign's active mailboxes, given round-robin at its first message), within the mailbox's
daily limit and interval, over one SMTP connection per mailbox per pass.

At most once: a message is claimed (``Message`` in ``sending``, the enrollment's ``next_send_at`` cleared) in
its own committed transaction before the SMTP conversation, and marked after it. A claim still open after
``SENDING_CLAIM_TIMEOUT_SECONDS`` was left by a dead worker: it becomes ``unknown`` and is never resent.
"""

import logging
import random
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Campaign, Enrollment, Step
from core.locks import held_alone
from core.tenancy import TenantQuerySet
from leads.models import Lead
from leads.selectors import suppressed_emails
from sending.bounces import bounce_record, enhanced_status
from sending.composing import compose, smtp_bytes
from sending.connections import smtp_open
from sending.models import CampaignMailbox, Mailbox, Message
from sending.selectors import COUNTED_STATUSES, start_of_utc_day
from sending.services import mailbox_fail

logger = logging.getLogger(__name__)

# Due enrollments read per query; a pass reads as many batches as it can send.
BATCH_SIZE = 200
# Messages claimed together in one transaction (a worker that dies leaves at most these ``unknown``).
CLAIM_BATCH = 25
# SMTP 4xx: retried after 10 min, 20, 40, 80; the fifth refusal pauses the lead.
RETRY_BASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# A mailbox waits min_interval_seconds plus up to this share of it between messages.
INTERVAL_JITTER = 0.1

UNKNOWN_CLAIM = (
    "The worker sending it stopped before it could tell whether the server took it. It may have been "
    "delivered, so it is not sent again; the sequence goes on."
)
UNKNOWN_DATA = (
    "The connection dropped while the server was taking the message. It may have been delivered, so it "
    "is not sent again; the sequence goes on."
)
MAILBOX_DOWN = "Not sent: the mailbox could not send ({}). It is sent once the mailbox works again."


def in_window(campaign: Campaign, instant: datetime) -> bool:
    """Whether ``instant`` falls on one of the campaign's days, between its start and end time, in its
    timezone (start included, end excluded). An unknown timezone is never inside."""
    try:
        local = instant.astimezone(ZoneInfo(campaign.schedule_timezone))
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("campaign %s has an unknown timezone %r", campaign.pk, campaign.schedule_timezone)
        return False
    return (
        local.isoweekday() in campaign.schedule_days
        and campaign.schedule_start <= local.time().replace(tzinfo=None) < campaign.schedule_end
    )


def send_due(*, now: datetime | None = None) -> int:
    """One pass: sends what is due at ``now`` (the present by default) and returns how many were sent."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else timezone.now
    claims_expire(now=clock())
    run = _Pass(clock)
    try:
        return run.send()
    finally:
        run.close()


# The advisory lock's key for "a scheduler pass is running" (any number no other lock uses).
PASS_LOCK_KEY = 0x5E9D_0001


def send_due_alone(*, now: datetime | None = None) -> int | None:
    """``send_due``, unless another pass is running anywhere (then None): passes never overlap. The lock is
    PostgreSQL's, held by a transaction of a connection of its own (``core.locks``: safe behind PgBouncer):
    a worker that dies releases it with that connection."""
    with held_alone(PASS_LOCK_KEY) as alone:
        if not alone:
            return None
        return send_due(now=now)


def claims_expire(*, now: datetime) -> int:
    """Claims SENDING_CLAIM_TIMEOUT_SECONDS old were left by a dead worker: each becomes ``unknown``
    (never resent: it may have gone out) and its enrollment goes on as if it was sent."""
    cutoff = now - timedelta(seconds=settings.SENDING_CLAIM_TIMEOUT_SECONDS)
    expired = 0
    stale = Message.objects.unscoped().filter(status=Message.Status.SENDING, claimed_at__lte=cutoff)
    for message_pk in stale.order_by("claimed_at").values_list("pk", flat=True):
        with transaction.atomic():
            message = (
                Message.objects.unscoped()
                .select_for_update(skip_locked=True)
                .filter(pk=message_pk, status=Message.Status.SENDING)
                .select_related("workspace", "campaign")
                .first()
            )
            if message is None:
                continue
            _advance(message.campaign, [message], now=now)
            message.status = Message.Status.UNKNOWN
            message.error = UNKNOWN_CLAIM
            message.save(update_fields=["status", "error"])
            expired += 1
    return expired


def _steps(campaign: Campaign) -> list[Step]:
    return list(Step.objects.unscoped().filter(campaign=campaign).order_by("position"))


def _advance(
    campaign: Campaign, messages: Sequence[Message], *, now: datetime, steps: Sequence[Step] | None = None
) -> None:
    """The enrollments of ``messages`` (of ``campaign``) have had their steps: each next step is due after
    its delay, or, after the last, the enrollment is completed. Call inside a transaction; the quota row
    is locked first when some finish (campaigns.services' order)."""
    steps = _steps(campaign) if steps is None else steps
    last = [m.lead_id for m in messages if m.step_number >= len(steps)]
    if last:
        campaign_services.enrollments_finish(
            workspace=campaign.workspace, campaign=campaign, lead_ids=last, status=Enrollment.Status.COMPLETED
        )
    enrollments = Enrollment.objects.unscoped().filter(campaign=campaign)
    by_step: dict[int, list[int]] = {}
    for message in messages:
        by_step.setdefault(message.step_number, []).append(message.lead_id)
    for step_number, lead_ids in sorted(by_step.items()):
        if step_number < len(steps):
            next_at = now + timedelta(days=steps[step_number].delay_days)
            enrollments.filter(lead_id__in=lead_ids, status=Enrollment.Status.ACTIVE).update(
                next_send_at=next_at
            )
        enrollments.filter(lead_id__in=lead_ids, step__lt=step_number).update(
            step=step_number, last_sent_at=now, attempts=0
        )


@dataclass(eq=False)
class _Outbox:
    """A mailbox during one pass: what it may still send today, and its one SMTP connection."""

    mailbox: Mailbox
    sent_today: int
    smtp: smtplib.SMTP | None = None
    broken: bool = False

    def can_send(self, now: datetime) -> bool:
        available_at = self.mailbox.available_at
        return (
            not self.broken
            and self.sent_today < self.mailbox.daily_limit
            and (available_at is None or available_at <= now)
        )

    def room(self, now: datetime) -> int:
        """How many messages it may send in this pass: what is left of its day, or one if it must wait an
        interval after each."""
        if not self.can_send(now):
            return 0
        left = self.mailbox.daily_limit - self.sent_today
        return left if not self.mailbox.min_interval_seconds else min(left, 1)

    def connection(self) -> smtplib.SMTP | None:
        """The pass's connection, opened at first use; None (and the mailbox in ``error``) if the server
        cannot be reached or refuses the login."""
        if self.smtp is None and not self.broken:
            try:
                self.smtp = smtp_open(self.mailbox)
            except (smtplib.SMTPException, OSError) as exc:
                self.fail(_words(exc))
        return self.smtp

    def fail(self, words: str) -> None:
        """The mailbox goes to ``error`` with the server's words: its sends wait until it is fixed."""
        self.broken = True
        self.close()
        mailbox_fail(workspace=self.mailbox.workspace, mailbox=self.mailbox, words=words)

    def pace(self, sent_at: datetime) -> None:
        """The next message waits min_interval_seconds and a little jitter (nothing to write for 0)."""
        interval = self.mailbox.min_interval_seconds
        if not interval:
            return
        self.mailbox.available_at = sent_at + timedelta(
            seconds=interval * (1 + random.uniform(0, INTERVAL_JITTER))  # noqa: S311 - pacing, not a secret
        )
        Mailbox.objects.unscoped().filter(pk=self.mailbox.pk).update(available_at=self.mailbox.available_at)

    def drop(self) -> None:
        """Forgets a connection the server closed; the next message opens a new one."""
        self.close()
        self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


class _Due(NamedTuple):
    lead_id: int
    next_send_at: datetime | None
    mailbox_id: int | None


@dataclass
class _Claim:
    message: Message
    lead: Lead
    attempts: int
    composed_bytes: bytes
    eight_bit: bool


@dataclass
class _CampaignRun:
    campaign: Campaign
    steps: list[Step]
    # The campaign's active mailboxes in turn order for new leads: fewest sent today first, then by id.
    outboxes: list[_Outbox]
    turn: int = 0
    # A lead gets at most one message per pass (a step due at once waits for the next pass).
    seen: set[int] = field(default_factory=set)

    def outbox_for(self, mailbox_id: int | None, room: Callable[[_Outbox], bool]) -> _Outbox | None:
        """The lead's own mailbox if it has room; for a lead without one, the next in turn that has."""
        if mailbox_id is not None:
            own = next((o for o in self.outboxes if o.mailbox.pk == mailbox_id), None)
            return own if own is not None and room(own) else None
        for offset in range(len(self.outboxes)):
            candidate = self.outboxes[(self.turn + offset) % len(self.outboxes)]
            if room(candidate):
                self.turn = (self.turn + offset + 1) % len(self.outboxes)
                return candidate
        return None


def campaigns_with_due(*, now: datetime) -> TenantQuerySet[Campaign]:
    """Active campaigns with an enrollment due at ``now``: one probe of the enrollment_due index each."""
    due = Enrollment.objects.unscoped().filter(
        campaign_id=OuterRef("pk"),
        status=Enrollment.Status.ACTIVE,
        next_send_at__isnull=False,
        next_send_at__lte=now,
    )
    return Campaign.objects.unscoped().filter(Exists(due), status=Campaign.Status.ACTIVE).order_by("pk")


class _Pass:
    def __init__(self, clock: Callable[[], datetime]):
        self.clock = clock
        self.start = clock()
        self.outboxes: dict[int, _Outbox] = {}

    def close(self) -> None:
        for outbox in self.outboxes.values():
            outbox.close()

    def send(self) -> int:
        due = campaigns_with_due(now=self.start).select_related("workspace")
        campaigns = [campaign for campaign in due if in_window(campaign, self.start)]
        if not campaigns:
            return 0
        links = self._load_outboxes(campaigns)
        sent = 0
        for campaign in campaigns:
            outboxes = sorted(
                (self.outboxes[pk] for pk in links.get(campaign.pk, [])),
                key=lambda o: (o.sent_today, o.mailbox.pk),
            )
            steps = _steps(campaign)
            if outboxes and steps:
                sent += self._send_campaign(_CampaignRun(campaign, steps, outboxes))
        return sent

    def _load_outboxes(self, campaigns: list[Campaign]) -> dict[int, list[int]]:
        """The campaigns' active mailboxes and what each sent since midnight UTC; campaign -> mailbox ids."""
        rows = (
            CampaignMailbox.objects.unscoped()
            .filter(campaign__in=campaigns, mailbox__status=Mailbox.Status.ACTIVE)
            .select_related("mailbox__workspace")
        )
        links: dict[int, list[int]] = {}
        for link in rows:
            links.setdefault(link.campaign_id, []).append(link.mailbox_id)
            self.outboxes.setdefault(link.mailbox_id, _Outbox(link.mailbox, sent_today=0))
        counts = (
            Message.objects.unscoped()
            .filter(
                mailbox_id__in=list(self.outboxes),
                claimed_at__gte=start_of_utc_day(self.start),
                status__in=COUNTED_STATUSES,
            )
            .values("mailbox_id")
            .annotate(count=Count("pk"))
        )
        for count in counts:
            self.outboxes[count["mailbox_id"]].sent_today = count["count"]
        return links

    def _due(self, run: _CampaignRun, after: tuple[datetime | None, int] | None) -> list[_Due]:
        rows = Enrollment.objects.unscoped().filter(
            campaign=run.campaign,
            status=Enrollment.Status.ACTIVE,
            next_send_at__isnull=False,
            next_send_at__lte=self.start,
        )
        if after is not None:
            rows = rows.filter(Q(next_send_at__gt=after[0]) | Q(next_send_at=after[0], lead_id__gt=after[1]))
        ordered = rows.order_by("next_send_at", "lead_id")
        return [
            _Due(*row) for row in ordered.values_list("lead_id", "next_send_at", "mailbox_id")[:BATCH_SIZE]
        ]

    def _send_campaign(self, run: _CampaignRun) -> int:
        """Reads the campaign's due enrollments batch by batch, oldest first, gives each the mailbox it goes
        from, and sends each mailbox's share; stops once none of its mailboxes may send more."""
        sent = 0
        after = None
        while any(outbox.can_send(self.clock()) for outbox in run.outboxes):
            rows = self._due(run, after)
            if not rows:
                break
            shares, capped = self._shares(run, rows)
            # Rows that only lacked room in this batch's shares are read again once those went (a refused
            # message leaves room); the rest of the batch is behind us.
            after = None if capped else (rows[-1].next_send_at, rows[-1].lead_id)
            for outbox, share in shares.items():
                for start in range(0, len(share), CLAIM_BATCH):
                    if outbox.connection() is None:
                        break
                    sent += self._send_share(run, outbox, share[start : start + CLAIM_BATCH])
        return sent

    def _shares(self, run: _CampaignRun, rows: list[_Due]) -> tuple[dict[_Outbox, list[_Due]], bool]:
        """The rows each mailbox sends now, within what it may send in this pass; the others wait. Also
        whether some row waits only because the shares are full (its mailbox may send more after them)."""
        now = self.clock()
        shares: dict[_Outbox, list[_Due]] = {}
        capped = False

        def room(outbox: _Outbox) -> bool:
            return len(shares.get(outbox, [])) < outbox.room(now)

        for row in rows:
            if row.lead_id in run.seen:
                continue
            outbox = run.outbox_for(row.mailbox_id, room)
            if outbox is not None:
                run.seen.add(row.lead_id)
                shares.setdefault(outbox, []).append(row)
            elif shares:
                capped = capped or any(
                    o.room(now) > 0 for o in run.outboxes if row.mailbox_id in (None, o.mailbox.pk)
                )
        return shares, capped

    def _send_share(self, run: _CampaignRun, outbox: _Outbox, rows: list[_Due]) -> int:
        """Claims these enrollments (one transaction), hands each message to the server over the mailbox's
        connection, then records how each went (one transaction for those that went)."""
        claims = self._claim(run, rows, outbox)
        handed: list[tuple[_Claim, str]] = []
        for index, claim in enumerate(claims):
            if outbox.connection() is None:
                for unsent in claims[index:]:
                    self._mailbox_down(unsent, outbox.mailbox.last_error)
                break
            outcome, code, words = _hand_over(outbox, claim)
            if outcome in (SENT, UNKNOWN):
                handed.append((claim, outcome))
                continue
            error = f"{code} {words}" if code else words
            if outcome == TEMPORARY:
                self._retry(run, claim, code, error)
            elif outcome == RECIPIENT:
                self._bounce(run, claim, code, error)
            else:
                outbox.fail(error)
                self._mailbox_down(claim, error, code=code)
        now = self.clock()
        self._record_handed(run, handed, now)
        outbox.sent_today += len(handed)
        if claims:
            outbox.pace(now)
        return sum(1 for _, outcome in handed if outcome == SENT)

    def _claim(self, run: _CampaignRun, rows: list[_Due], outbox: _Outbox) -> list[_Claim]:
        """Claims the next step of each enrollment still due (others took none of them meanwhile) in one
        committed transaction. A suppressed address gets nothing: its enrollment is left with nothing due.
        Should a step turn out claimed already (the database refuses a second claim), each is claimed
        alone so the others still go."""
        try:
            return self._claim_together(run, rows, outbox)
        except IntegrityError:
            if len(rows) == 1:
                logger.warning(
                    "step already claimed for lead %s in campaign %s", rows[0].lead_id, run.campaign.pk
                )
                return []
            return [claim for row in rows for claim in self._claim(run, [row], outbox)]

    def _claim_together(self, run: _CampaignRun, rows: list[_Due], outbox: _Outbox) -> list[_Claim]:
        campaign, steps, now = run.campaign, run.steps, self.clock()
        wanted = {row.lead_id: row.mailbox_id for row in rows}
        finished: list[int] = []
        with transaction.atomic():
            locked = (
                Enrollment.objects.unscoped()
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("lead")
                .filter(
                    campaign=campaign,
                    lead_id__in=list(wanted),
                    status=Enrollment.Status.ACTIVE,
                    next_send_at__lte=self.start,
                )
                .order_by("lead_id")
            )
            # Still with the mailbox they were found with: given by this pass, or still their own.
            enrollments = [e for e in locked if e.mailbox_id == wanted[e.lead_id]]
            finished = [e.lead_id for e in enrollments if e.step >= len(steps)]
            suppressed = suppressed_emails(
                workspace=campaign.workspace, emails=[e.lead.email for e in enrollments]
            )
            skipped = [e.lead_id for e in enrollments if e.lead.email in suppressed]
            going = [e for e in enrollments if e.step < len(steps) and e.lead.email not in suppressed]
            earlier = self._earlier_message_ids(campaign, [e.lead_id for e in going if e.step])
            claims = []
            for enrollment in going:
                step = steps[enrollment.step]
                composed = compose(
                    campaign=campaign,
                    lead=enrollment.lead,
                    mailbox=outbox.mailbox,
                    steps=steps,
                    step=step,
                    earlier_message_ids=earlier.get(enrollment.lead_id, []),
                    now=now,
                )
                message = Message(
                    workspace=campaign.workspace,
                    campaign=campaign,
                    lead=enrollment.lead,
                    step=step,
                    step_number=enrollment.step + 1,
                    mailbox=outbox.mailbox,
                    to_email=enrollment.lead.email,
                    subject=composed.subject[:998],
                    message_id=composed.message_id,
                    in_reply_to=composed.in_reply_to,
                    claimed_at=now,
                )
                body = smtp_bytes(composed.message)
                claims.append(_Claim(message, enrollment.lead, enrollment.attempts, body, not body.isascii()))
            Message.objects.bulk_create([claim.message for claim in claims])
            mine = Enrollment.objects.unscoped().filter(campaign=campaign)
            if skipped:
                mine.filter(lead_id__in=skipped).update(next_send_at=None)
            if claims:
                mine.filter(lead_id__in=[claim.lead.pk for claim in claims]).update(
                    next_send_at=None, mailbox_id=outbox.mailbox.pk
                )
        if finished:
            # Every step was sent already (steps were deleted since): their sequences are over.
            campaign_services.enrollments_finish(
                workspace=campaign.workspace,
                campaign=campaign,
                lead_ids=finished,
                status=Enrollment.Status.COMPLETED,
            )
        return claims

    def _earlier_message_ids(self, campaign: Campaign, lead_ids: list[int]) -> dict[int, list[str]]:
        """Each lead's messages of this campaign that went (or may have), oldest first: the thread."""
        earlier: dict[int, list[str]] = {}
        if not lead_ids:
            return earlier
        rows = (
            Message.objects.unscoped()
            .filter(
                campaign=campaign,
                lead_id__in=lead_ids,
                status__in=[Message.Status.SENT, Message.Status.UNKNOWN],
            )
            .order_by("lead_id", "step_number", "pk")
            .values_list("lead_id", "message_id")
        )
        for lead_id, message_id in rows:
            earlier.setdefault(lead_id, []).append(message_id)
        return earlier

    def _record_handed(self, run: _CampaignRun, handed: list[tuple[_Claim, str]], now: datetime) -> None:
        """Marks the messages the server took ``sent`` (and those it may have taken ``unknown``) and moves
        their enrollments on, in one transaction. Its commit need not wait for the disk: lost in a crash,
        the claims stay open and become ``unknown``, never resent."""
        if not handed:
            return
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            _advance(run.campaign, [claim.message for claim, _ in handed], now=now, steps=run.steps)
            messages = Message.objects.unscoped()
            sent = [claim.message.pk for claim, outcome in handed if outcome == SENT]
            unknown = [claim.message.pk for claim, outcome in handed if outcome == UNKNOWN]
            if sent:
                messages.filter(pk__in=sent).update(status=Message.Status.SENT, smtp_code=250, sent_at=now)
            if unknown:
                messages.filter(pk__in=unknown).update(status=Message.Status.UNKNOWN, error=UNKNOWN_DATA)

    def _mark(self, message: Message, status: str, **fields: Any) -> None:
        message.status = status
        for name, value in fields.items():
            setattr(message, name, value)
        (
            Message.objects.unscoped()
            .filter(pk=message.pk)
            .update(
                status=status,
                smtp_code=message.smtp_code,
                error=message.error,
                sent_at=message.sent_at,
            )
        )

    def _retry(self, run: _CampaignRun, claim: _Claim, code: int | None, error: str) -> None:
        """A temporary refusal: retried after a backoff; the fifth in a row pauses the lead."""
        message, attempts, now = claim.message, claim.attempts + 1, self.clock()
        enrollment = Enrollment.objects.unscoped().filter(campaign=run.campaign, lead_id=message.lead_id)
        with transaction.atomic():
            if attempts >= MAX_ATTEMPTS:
                campaign_services.enrollment_pause(
                    workspace=run.campaign.workspace, campaign=run.campaign, lead_id=message.lead_id
                )
                error += f" (refused {attempts} times: the lead is paused)"
            else:
                backoff = RETRY_BASE * 2 ** (attempts - 1)
                enrollment.filter(status=Enrollment.Status.ACTIVE).update(next_send_at=now + backoff)
            enrollment.update(attempts=attempts)
            self._mark(message, Message.Status.FAILED, smtp_code=code, error=error)

    def _bounce(self, run: _CampaignRun, claim: _Claim, code: int | None, error: str) -> None:
        """A permanent refusal of the address: it bounced, in every campaign of the workspace, and is
        suppressed so that nothing is ever sent to it again."""
        with transaction.atomic():
            bounce_record(
                workspace=run.campaign.workspace, message=claim.message, status=enhanced_status(error)
            )
            self._mark(claim.message, Message.Status.FAILED, smtp_code=code, error=error)

    def _mailbox_down(self, claim: _Claim, words: str, *, code: int | None = None) -> None:
        """The mailbox failed before the message was handed over: not sent, not counted, and the lead is
        due again, to go once its mailbox works."""
        message = claim.message
        with transaction.atomic():
            Enrollment.objects.unscoped().filter(
                campaign_id=message.campaign_id, lead_id=message.lead_id, status=Enrollment.Status.ACTIVE
            ).update(next_send_at=self.clock())
            self._mark(message, Message.Status.FAILED, smtp_code=code, error=MAILBOX_DOWN.format(words))


# How handing a message to the server went.
SENT, UNKNOWN, TEMPORARY, RECIPIENT, MAILBOX = "sent", "unknown", "temporary", "recipient", "mailbox"


def _hand_over(outbox: _Outbox, claim: _Claim) -> tuple[str, int | None, str]:
    """One SMTP transaction on the outbox's connection: (outcome, code, the server's words).

    Until DATA is under way nothing has left: a 4xx or a dropped connection is retried, a 5xx for the
    recipient bounces, anything else is the mailbox's fault. Once the message is being handed over, a
    dropped connection leaves it ``unknown``: it may have been delivered, so it is never resent."""
    smtp, sender, recipient = outbox.smtp, outbox.mailbox.email, claim.message.to_email
    assert smtp is not None
    phase = "envelope"
    try:
        code, words = smtp.mail(sender, ["BODY=8BITMIME"] if claim.eight_bit else [])
        if code != 250:
            _reset(outbox)
            return (TEMPORARY if 400 <= code < 500 else MAILBOX), code, _text(words)
        code, words = smtp.rcpt(recipient)
        if code not in (250, 251):
            _reset(outbox)
            return _refusal(code), code, _text(words)
        phase = "data"
        code, words = smtp.data(claim.composed_bytes)
    except smtplib.SMTPDataError as exc:
        # The server refused DATA itself (its 354 did not come): nothing was handed over.
        _reset(outbox)
        return _refusal(exc.smtp_code), exc.smtp_code, _text(exc.smtp_error)
    except (smtplib.SMTPException, OSError) as exc:
        outbox.drop()
        if phase == "data":
            return UNKNOWN, None, _words(exc)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return TEMPORARY, None, f"The server closed the connection: {_words(exc)}"
        return MAILBOX, None, _words(exc)
    if code == 250:
        return SENT, code, _text(words)
    _reset(outbox)
    return _refusal(code), code, _text(words)


def _refusal(code: int) -> str:
    """A refusal of the recipient or the message: 4xx is temporary, 5xx is for this address."""
    return TEMPORARY if 400 <= code < 500 else RECIPIENT


def _reset(outbox: _Outbox) -> None:
    """Ends a refused transaction so the connection can carry the next message."""
    if outbox.smtp is None:
        return
    try:
        outbox.smtp.rset()
    except (smtplib.SMTPException, OSError):
        outbox.drop()


def _text(words: bytes | str) -> str:
    return words.decode(errors="replace") if isinstance(words, bytes) else str(words)


def _words(exc: BaseException) -> str:
    """The server's words for a refusal, else the exception's message."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__
