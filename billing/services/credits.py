"""Lead credits (rules 5, 6, 9): grants, debits, refunds and credit packs, every one a ledger entry."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, Sum

from accounts.models import Role, User, Workspace
from billing import payments
from billing.errors import InsufficientLeadCredits, MemberCreditCapReached
from billing.models import (
    CreditGrant,
    CreditMovement,
    CreditPack,
    LedgerEntry,
    MemberCreditCap,
    Payment,
    Quota,
)
from billing.services.base import quota_lock, record, require_count, require_locked, subscription_of
from core.errors import Conflict, DomainError
from core.events import event_emit
from core.tenancy import TenantQuerySet

Kind = LedgerEntry.Kind
Source = CreditGrant.Source

# One grant's credits at most: far past any plan or pack, and well inside the ledger's integer columns.
MAX_GRANT_CREDITS = 10_000_000
GRANT_DESCRIPTION_MAX_LENGTH = CreditGrant._meta.get_field("description").max_length
# ``lead_credits.low`` (webhooks) fires when a debit takes the balance below this share of the plan's
# monthly credits (at least 1 credit), from at or above it.
LOW_CREDITS_SHARE_PERCENT = 10


def lead_credits_low_threshold(monthly_lead_credits: int) -> int:
    return max(1, monthly_lead_credits * LOW_CREDITS_SHARE_PERCENT // 100)


def _spendable_grants(workspace: Workspace, now: datetime) -> TenantQuerySet[CreditGrant]:
    """Unexpired grants with credits left, in draw order: soonest expiry first, never-expiring last."""
    return (
        CreditGrant.objects.for_workspace(workspace)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), remaining__gt=0)
        .order_by(F("expires_at").asc(nulls_last=True), "created_at", "id")
    )


def _grant(
    quota: Quota,
    *,
    amount: int,
    source: CreditGrant.Source,
    description: str,
    expires_at: datetime | None,
    reference: str,
    actor: User | None,
    payment: Payment | None,
) -> CreditGrant:
    """``lead_credits_grant`` under a lock its caller holds."""
    now = require_locked(quota)
    require_count(amount, "amount")
    if amount == 0:
        raise DomainError("A grant needs at least one credit.", details={"amount": ["Must be at least 1."]})
    if amount > MAX_GRANT_CREDITS:
        message = f"At most {MAX_GRANT_CREDITS:,} credits in one grant."
        raise DomainError(message, details={"amount": [message]})
    if expires_at is not None and expires_at <= now:
        raise DomainError(
            "A grant cannot expire in the past.", details={"expires_at": ["Must be in the future."]}
        )
    grant = CreditGrant.objects.create(
        workspace=quota.workspace,
        source=source,
        amount=amount,
        remaining=0,
        expires_at=expires_at,
        description=description[:GRANT_DESCRIPTION_MAX_LENGTH],
        payment=payment,
    )
    record(
        workspace=quota.workspace,
        kind=Kind.ADJUSTMENT if source == Source.ADJUSTMENT else Kind.GRANT,
        moves=[(grant, amount)],
        description=description,
        reference=reference,
        actor=actor,
    )
    return grant


@transaction.atomic
def lead_credits_grant(
    *,
    workspace: Workspace,
    amount: int,
    source: CreditGrant.Source,
    description: str,
    expires_at: datetime | None = None,
    reference: str = "",
    actor: User | None = None,
    payment: Payment | None = None,
) -> CreditGrant:
    """Adds a grant of ``amount`` credits and its ledger entry (``adjustment`` for admin grants)."""
    require_count(amount, "amount")
    return _grant(
        quota_lock(workspace=workspace),
        amount=amount,
        source=source,
        description=description,
        expires_at=expires_at,
        reference=reference,
        actor=actor,
        payment=payment,
    )


def lead_credits_debit(
    *,
    quota: Quota,
    amount: int,
    description: str,
    allow_partial: bool = False,
    reference: str = "",
    actor: User | None = None,
) -> LedgerEntry | None:
    """Spends ``amount`` credits, drawing the grant that expires soonest first (never-expiring last).

    All or nothing by default: short of credits raises ``InsufficientLeadCredits`` (``needed``,
    ``balance``) and nothing changes. The debit is ``actor``'s spending: past the credit cap an owner set
    for them (``member_credit_room``) it raises ``MemberCreditCapReached`` (``cap``, ``spent``) instead,
    when the cap leaves less than the balance. With ``allow_partial`` it spends what both allow.
    Returns the debit entry (``-entry.amount`` credits were spent) or None when nothing was spent.
    Runs in the caller's transaction, under the lock it took (``quota_lock``), at the lock's moment.
    """
    now = require_locked(quota)
    require_count(amount, "amount")
    workspace = quota.workspace
    grants = list(_spendable_grants(workspace, now))
    balance = sum(grant.remaining for grant in grants)
    room = member_credit_room(workspace=workspace, user=actor)
    # The tighter limit is the one named: the member's cap when it leaves less than the balance.
    if room is not None and amount > room.left and room.left < balance and not allow_partial:
        raise MemberCreditCapReached(cap=room.cap, spent=room.spent)
    if amount > balance and not allow_partial:
        raise InsufficientLeadCredits(needed=amount, balance=balance)
    left = min(amount, balance, amount if room is None else room.left)
    if left == 0:
        return None
    moves = []
    for grant in grants:
        take = min(left, grant.remaining)
        moves.append((grant, -take))
        left -= take
        if left == 0:
            break
    entry = record(
        workspace=workspace,
        kind=Kind.DEBIT,
        moves=moves,
        description=description,
        reference=reference,
        actor=actor,
    )
    _say_if_credits_ran_low(workspace, before=balance, after=entry.balance_after)
    return entry


@dataclass(frozen=True)
class MemberCreditRoom:
    """A capped member's spending in the current billing period."""

    cap: int
    spent: int

    @property
    def left(self) -> int:
        return max(0, self.cap - self.spent)


def member_credits_spent(*, workspace: Workspace, user_ids: Iterable[int], since: datetime) -> dict[int, int]:
    """Credits each user spent since ``since``: their debits from then on, less the refunds of those
    debits (a bounce refund gives the room back, whoever records it). Users who spent nothing: 0."""
    user_ids = list(user_ids)
    entries = LedgerEntry.objects.for_workspace(workspace)
    debits = entries.filter(kind=Kind.DEBIT, actor_id__in=user_ids, created_at__gte=since)
    debited = dict(debits.order_by().values_list("actor_id").annotate(total=Sum("amount")))
    refunded = dict(
        entries.filter(kind=Kind.REFUND, refund_of__in=debits)
        .order_by()
        .values_list("refund_of__actor_id")
        .annotate(total=Sum("amount"))
    )
    return {pk: -debited.get(pk, 0) - refunded.get(pk, 0) for pk in user_ids}


def member_credit_room(*, workspace: Workspace, user: User | None) -> MemberCreditRoom | None:
    """The cap an owner set for ``user`` and what they spent of it this period; None when uncapped (no
    cap, no user, or an owner: owners are never capped). Exact under the quota lock, whose catch-up
    has started the current period; elsewhere an estimate (``billing.selectors.member_credit_room``)."""
    if user is None:
        return None
    cap = (
        MemberCreditCap.objects.for_workspace(workspace)
        .filter(membership__user=user)
        .exclude(membership__role=Role.OWNER)
        .values_list("cap", flat=True)
        .first()
    )
    if cap is None:
        return None
    since = subscription_of(workspace).current_period_start
    spent = member_credits_spent(workspace=workspace, user_ids=[user.pk], since=since)[user.pk]
    return MemberCreditRoom(cap=cap, spent=spent)


def _say_if_credits_ran_low(workspace: Workspace, *, before: int, after: int) -> None:
    monthly = subscription_of(workspace).plan.monthly_lead_credits
    threshold = lead_credits_low_threshold(monthly)
    if before >= threshold > after:
        event_emit(
            workspace=workspace,
            type="lead_credits.low",
            data={"balance": after, "threshold": threshold, "monthly_allowance": monthly},
        )


@transaction.atomic
def lead_credits_refund(
    *,
    workspace: Workspace,
    debit: LedgerEntry,
    description: str,
    amount: int | None = None,
    reference: str = "",
    actor: User | None = None,
    quota: Quota | None = None,
) -> LedgerEntry | None:
    """Gives back up to ``amount`` credits of ``debit`` (default: all not yet refunded).

    Locks the workspace's quota row, or, given ``quota`` (the row ``quota_lock`` returned to a caller
    that holds the lock in this transaction), refunds under that lock (rule 12: lock once).

    Credits go back to the grants the debit drew them from, last drawn first: a partial refund undoes
    the end of the debit, so the longest-lived credits come back first. A credit never outlives its
    grant: what was drawn from a grant that has expired since is not restored (it would have expired
    unused), so a refund cannot turn monthly credits into lasting ones. Returns the refund entry, whose
    amount is what was restored, or None when nothing could be.
    """
    if amount is not None:
        require_count(amount, "amount")
    if quota is None:
        quota = quota_lock(workspace=workspace)
    elif quota.workspace_id != workspace.pk:
        raise ValueError("The quota row is another workspace's.")
    now = require_locked(quota)
    found = LedgerEntry.objects.for_workspace(workspace).filter(pk=debit.pk, kind=Kind.DEBIT).first()
    if found is None:
        raise DomainError("Only a debit of this workspace can be refunded.")
    debit = found
    restored = dict(
        CreditMovement.objects.for_workspace(workspace)
        .filter(entry__refund_of=debit)
        .values_list("grant_id")
        .annotate(total=Sum("amount"))
    )
    draws = [
        (movement.grant, -movement.amount - restored.get(movement.grant_id, 0))
        for movement in debit.movements.select_related("grant").order_by("-id")
    ]
    refundable = sum(outstanding for _, outstanding in draws)
    left = refundable if amount is None else amount
    if left > refundable:
        raise DomainError(
            f"Only {refundable} credits of this debit are left to refund.",
            details={"amount": [f"At most {refundable}."]},
        )
    moves = []
    for grant, outstanding in draws:
        if left == 0:
            break
        give = min(left, outstanding)
        left -= give
        if give and (grant.expires_at is None or grant.expires_at > now):
            moves.append((grant, give))
    if not moves:
        return None
    return record(
        workspace=workspace,
        kind=Kind.REFUND,
        moves=moves,
        description=description,
        reference=reference,
        actor=actor,
        refund_of=debit,
    )


@transaction.atomic
def credit_pack_purchase(*, workspace: Workspace, pack_code: str, actor: User | None = None) -> CreditGrant:
    """Charges for a credit pack and grants its credits, which never expire."""
    pack = CreditPack.objects.filter(code=pack_code).first()
    if pack is None:
        raise DomainError(
            f"There is no credit pack {pack_code!r}.", details={"pack": [f"Unknown pack {pack_code!r}."]}
        )
    quota = quota_lock(workspace=workspace)
    # A pack priced 0 (a promotion) has no payment to name it: it is claimed once per workspace.
    free_reference = f"pack:{pack.code}"
    if (
        not pack.price_cents
        and LedgerEntry.objects.for_workspace(workspace)
        .filter(kind=Kind.GRANT, reference=free_reference)
        .exists()
    ):
        raise Conflict(
            f"{pack.name} is free once per workspace, and this workspace has had it.",
            details={"pack": [f"{pack.code!r} was claimed already."]},
        )
    payment = payments.charge(
        workspace=workspace,
        amount_cents=pack.price_cents,
        purpose=Payment.Purpose.CREDIT_PACK,
        description=pack.name,
        actor=actor,
    )
    return _grant(
        quota,
        amount=pack.credits,
        source=Source.PACK,
        description=f"{pack.name} purchased",
        expires_at=None,
        reference=f"payment:{payment.pk}" if payment else free_reference,
        actor=actor,
        payment=payment,
    )
