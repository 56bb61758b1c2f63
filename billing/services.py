"""The only door to active-lead slots, lead credits and plans (DESIGN.md rules 1-6, 9, 12).

Every function that changes a workspace's slots or credits first locks the workspace's quota row
(``quota_lock``), so all of them serialize per workspace. Callers with their own transaction (campaigns,
Lead Finder) lock the quota row first too and then call these: lock order is quota row first, always.

Time, and why ``balance == sum(ledger)`` holds for every observer (rule 6): a grant's credits expire
when its ``expiry`` entry is written, and that entry is written before anyone can see the difference.
Taking the lock brings the workspace up to now before anything else (an ended period is renewed, due
``expiry`` entries are written), so every change starts from a ledger whose sum is the balance. Every
read of a balance, the usage or the ledger (billing.selectors) first calls ``quota_catch_up``, which
does the same in its own short transaction, taking the lock only when something is due (rarely: once
per grant that expires); it then reads at that same ``now``, when no grant that has expired still holds
credits. The renewal task (beat) does the same for workspaces nobody reads or touches.
"""

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from accounts.models import User, Workspace
from billing import payments, quota_sources
from billing.errors import ActiveLeadsLimitReached, InsufficientLeadCredits
from billing.models import (
    AddOn,
    CreditGrant,
    CreditMovement,
    CreditPack,
    LedgerEntry,
    Payment,
    Plan,
    Quota,
    Subscription,
    SubscriptionAddOn,
)
from billing.periods import add_months, period_end
from core.errors import Conflict, DomainError
from core.tenancy import TenantQuerySet

logger = logging.getLogger(__name__)

DEFAULT_PLAN_CODE = "trial"

Kind = LedgerEntry.Kind
Source = CreditGrant.Source


# Units of one add-on a workspace may hold (the API, the dashboard and the operator all go through here).
MAX_ADDON_QUANTITY = 100
# One grant's credits at most: far past any plan or pack, and well inside the ledger's integer columns.
MAX_GRANT_CREDITS = 10_000_000


def _require_count(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, not {value!r}.")


def _plan(code: str) -> Plan:
    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        codes = ", ".join(Plan.objects.order_by("price_cents").values_list("code", flat=True))
        raise DomainError(
            f"There is no plan {code!r} (plans: {codes}).", details={"plan": [f"Unknown plan {code!r}."]}
        )
    return plan


def _last_balance(workspace: Workspace) -> int:
    """The balance after the workspace's newest ledger entry (0 before the first)."""
    entries = LedgerEntry.objects.for_workspace(workspace).order_by("-id")
    return entries.values_list("balance_after", flat=True).first() or 0


def _subscription(workspace: Workspace) -> Subscription:
    return Subscription.objects.for_workspace(workspace).select_related("plan", "scheduled_plan").get()


def _lock(workspace: Workspace) -> Quota:
    return Quota.objects.for_workspace(workspace).select_for_update().get()


def quota_lock(*, workspace: Workspace, now: datetime | None = None) -> Quota:
    """Locks and returns the workspace's quota row (rule 12), then brings the workspace up to ``now``
    (the present by default): renews an ended period, writes due credit expiries. A caller that reads
    the balance and then debits passes one ``now`` to all three, so that a grant expiring in between
    cannot make the debit find fewer credits than the plan counted.

    Not atomic by itself on purpose: the lock lasts as long as the caller's ``transaction.atomic()``,
    and outside one Django (on PostgreSQL) refuses ``select_for_update()`` instead of locking nothing.
    """
    return _lock_up_to(workspace, now or timezone.now())


def _lock_up_to(workspace: Workspace, now: datetime) -> Quota:
    """``quota_lock`` at a given moment, for callers that go on deciding with that same ``now``."""
    quota = _lock(workspace)
    _catch_up(quota, workspace, now)
    return quota


# Active leads (rules 1-4)


def _active_leads_limit(subscription: Subscription) -> int:
    addons = SubscriptionAddOn.objects.for_workspace(subscription.workspace)
    extra = addons.aggregate(total=Sum(F("quantity") * F("addon__active_leads")))["total"] or 0
    return subscription.plan.active_leads_limit + extra


def _refresh_active_leads_limit(quota: Quota, subscription: Subscription) -> None:
    limit = _active_leads_limit(subscription)
    if quota.active_leads_limit != limit:
        quota.active_leads_limit = limit
        quota.save(update_fields=["active_leads_limit", "updated_at"])


@transaction.atomic
def active_leads_reserve(*, workspace: Workspace, count: int, allow_partial: bool = False) -> int:
    """Takes ``count`` active-lead slots and returns how many it took.

    All or nothing by default: what does not fit raises ``ActiveLeadsLimitReached`` and nothing is taken.
    With ``allow_partial`` it takes what fits (possibly 0); the caller reports ``count - taken``.
    """
    _require_count(count, "count")
    quota = quota_lock(workspace=workspace)
    available = quota.active_leads_available
    if count > available and not allow_partial:
        raise ActiveLeadsLimitReached(requested=count, available=available, limit=quota.active_leads_limit)
    taken = min(count, available)
    if taken:
        quota.active_leads_used += taken
        quota.save(update_fields=["active_leads_used", "updated_at"])
    return taken


@transaction.atomic
def active_leads_release(*, workspace: Workspace, count: int) -> int:
    """Frees ``count`` slots and returns how many were freed.

    Freeing more than is used means the counter drifted: it stops at 0 (removing contacts must never
    fail over a counter) and says so in the log; ``audit_quotas --fix`` recounts it.
    """
    _require_count(count, "count")
    quota = quota_lock(workspace=workspace)
    freed = min(count, quota.active_leads_used)
    if freed < count:
        logger.warning(
            "Workspace %s released %s active leads with %s used; run audit_quotas.",
            workspace.pk,
            count,
            quota.active_leads_used,
        )
    if freed:
        quota.active_leads_used -= freed
        quota.save(update_fields=["active_leads_used", "updated_at"])
    return freed


@transaction.atomic
def active_leads_limit_refresh(*, workspace: Workspace) -> Quota:
    """Recomputes the stored limit (plan + add-ons), e.g. after a plan's limit was edited."""
    quota = quota_lock(workspace=workspace)
    _refresh_active_leads_limit(quota, _subscription(workspace))
    return quota


# Lead credits (rules 5, 6, 9)


def _spendable_grants(workspace: Workspace, now: datetime) -> TenantQuerySet[CreditGrant]:
    """Unexpired grants with credits left, in draw order: soonest expiry first, never-expiring last."""
    return (
        CreditGrant.objects.for_workspace(workspace)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), remaining__gt=0)
        .order_by(F("expires_at").asc(nulls_last=True), "created_at", "id")
    )


def _record(
    *,
    workspace: Workspace,
    kind: LedgerEntry.Kind,
    moves: Sequence[tuple[CreditGrant, int]],
    description: str,
    reference: str = "",
    actor: User | None = None,
    refund_of: LedgerEntry | None = None,
) -> LedgerEntry:
    """Writes one ledger entry and applies its ``moves`` ([(grant, signed amount)]) to the grants."""
    if (
        reference
        and LedgerEntry.objects.for_workspace(workspace).filter(kind=kind, reference=reference).exists()
    ):
        raise Conflict(
            f"A {kind} with reference {reference!r} is already in the ledger.",
            details={"reference": reference},
        )
    amount = sum(delta for _, delta in moves)
    previous = _last_balance(workspace)
    entry = LedgerEntry.objects.create(
        workspace=workspace,
        kind=kind,
        amount=amount,
        balance_after=previous + amount,
        actor=actor,
        description=description[:255],
        reference=reference,
        refund_of=refund_of,
    )
    for grant, delta in moves:
        grant.remaining += delta
        grant.save(update_fields=["remaining"])
    CreditMovement.objects.bulk_create(
        CreditMovement(workspace=workspace, entry=entry, grant=grant, amount=delta) for grant, delta in moves
    )
    return entry


def _expire_due(workspace: Workspace, now: datetime) -> list[LedgerEntry]:
    """Writes the expiry entries of grants whose time has come; runs under the quota lock."""
    due = (
        CreditGrant.objects.for_workspace(workspace)
        .filter(expires_at__lte=now, remaining__gt=0)
        .order_by("expires_at", "id")
    )
    return [
        _record(
            workspace=workspace,
            kind=Kind.EXPIRY,
            moves=[(grant, -grant.remaining)],
            description=f"{grant.remaining} unused credits of “{grant.description}” expired",
            reference=f"grant:{grant.pk}",
        )
        for grant in due
    ]


def _is_behind(workspace: Workspace, now: datetime) -> bool:
    """Whether a period has ended or an expired grant still holds credits (no lock; the lock rechecks)."""
    grants = CreditGrant.objects.for_workspace(workspace)
    subscriptions = Subscription.objects.for_workspace(workspace)
    return (
        grants.filter(expires_at__lte=now, remaining__gt=0).exists()
        or subscriptions.filter(current_period_end__lte=now).exists()
    )


def quota_catch_up(*, workspace: Workspace, now: datetime | None = None) -> datetime:
    """Brings the workspace up to ``now`` (the present by default) as taking the lock does, and returns
    ``now``: readers call it first and then read at that ``now``, so the balance they show is the sum of
    the ledger they show (rule 6). It locks only when something is due, in its own short transaction
    (nested in the caller's when there is one), so reads do not queue behind changes otherwise.
    """
    now = now or timezone.now()
    if _is_behind(workspace, now):
        with transaction.atomic():
            _lock_up_to(workspace, now)
    return now


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
    _require_count(amount, "amount")
    if amount == 0:
        raise DomainError("A grant needs at least one credit.", details={"amount": ["Must be at least 1."]})
    if amount > MAX_GRANT_CREDITS:
        message = f"At most {MAX_GRANT_CREDITS:,} credits in one grant."
        raise DomainError(message, details={"amount": [message]})
    now = timezone.now()
    _lock_up_to(workspace, now)
    if expires_at is not None and expires_at <= now:
        raise DomainError(
            "A grant cannot expire in the past.", details={"expires_at": ["Must be in the future."]}
        )
    grant = CreditGrant.objects.create(
        workspace=workspace,
        source=source,
        amount=amount,
        remaining=0,
        expires_at=expires_at,
        description=description[:255],
        payment=payment,
    )
    _record(
        workspace=workspace,
        kind=Kind.ADJUSTMENT if source == Source.ADJUSTMENT else Kind.GRANT,
        moves=[(grant, amount)],
        description=description,
        reference=reference,
        actor=actor,
    )
    return grant


@transaction.atomic
def lead_credits_debit(
    *,
    workspace: Workspace,
    amount: int,
    description: str,
    allow_partial: bool = False,
    reference: str = "",
    actor: User | None = None,
    now: datetime | None = None,
) -> LedgerEntry | None:
    """Spends ``amount`` credits, drawing the grant that expires soonest first (never-expiring last).

    All or nothing by default: short of credits raises ``InsufficientLeadCredits`` (``needed``,
    ``balance``) and nothing changes. With ``allow_partial`` it spends what the balance pays for.
    Returns the debit entry (``-entry.amount`` credits were spent) or None when nothing was spent.
    """
    _require_count(amount, "amount")
    now = now or timezone.now()
    _lock_up_to(workspace, now)
    grants = list(_spendable_grants(workspace, now))
    balance = sum(grant.remaining for grant in grants)
    if amount > balance and not allow_partial:
        raise InsufficientLeadCredits(needed=amount, balance=balance)
    left = min(amount, balance)
    if left == 0:
        return None
    moves = []
    for grant in grants:
        take = min(left, grant.remaining)
        moves.append((grant, -take))
        left -= take
        if left == 0:
            break
    return _record(
        workspace=workspace,
        kind=Kind.DEBIT,
        moves=moves,
        description=description,
        reference=reference,
        actor=actor,
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
) -> LedgerEntry | None:
    """Gives back up to ``amount`` credits of ``debit`` (default: all not yet refunded).

    Credits go back to the grants the debit drew them from, last drawn first: a partial refund undoes
    the end of the debit, so the longest-lived credits come back first. A credit never outlives its
    grant: what was drawn from a grant that has expired since is not restored (it would have expired
    unused), so a refund cannot turn monthly credits into lasting ones. Returns the refund entry, whose
    amount is what was restored, or None when nothing could be.
    """
    if amount is not None:
        _require_count(amount, "amount")
    now = timezone.now()
    _lock_up_to(workspace, now)
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
    return _record(
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
    quota_lock(workspace=workspace)
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
    return lead_credits_grant(
        workspace=workspace,
        amount=pack.credits,
        source=Source.PACK,
        description=f"{pack.name} purchased",
        reference=f"payment:{payment.pk}" if payment else free_reference,
        actor=actor,
        payment=payment,
    )


# Plans and periods


def _charge_period(subscription: Subscription, start: datetime, end: datetime, actor: User | None) -> None:
    addons = list(
        SubscriptionAddOn.objects.for_workspace(subscription.workspace).select_related("addon").order_by("id")
    )
    amount = subscription.plan.price_cents + sum(item.addon.price_cents * item.quantity for item in addons)
    extras = "".join(f" + {item.quantity} x {item.addon.name}" for item in addons)
    payments.charge(
        workspace=subscription.workspace,
        amount_cents=amount,
        purpose=Payment.Purpose.PLAN,
        description=f"{subscription.plan.name} plan{extras}, {start:%Y-%m-%d} to {end:%Y-%m-%d}",
        actor=actor,
    )


def _begin_period(
    quota: Quota,
    subscription: Subscription,
    *,
    plan: Plan,
    start: datetime,
    anchor_day: int,
    actor: User | None,
    now: datetime,
) -> None:
    """Starts a period on ``plan``: what is left of the old monthly grant expires, the new one is issued."""
    workspace = subscription.workspace
    CreditGrant.objects.for_workspace(workspace).filter(source=Source.MONTHLY, expires_at__gt=now).update(
        expires_at=now
    )
    _expire_due(workspace, now)
    SubscriptionAddOn.objects.for_workspace(workspace).exclude(addon__plans=plan).delete()
    subscription.plan = plan
    subscription.scheduled_plan = None
    subscription.anchor_day = anchor_day
    subscription.current_period_start = start
    subscription.current_period_end = period_end(start, anchor_day=anchor_day)
    subscription.save()
    _charge_period(subscription, start, subscription.current_period_end, actor)
    if plan.monthly_lead_credits:
        description = (
            f"{plan.name} plan credits for {start:%Y-%m-%d} to {subscription.current_period_end:%Y-%m-%d}"
        )
        grant = CreditGrant.objects.create(
            workspace=workspace,
            source=Source.MONTHLY,
            amount=plan.monthly_lead_credits,
            remaining=0,
            expires_at=subscription.current_period_end,
            description=description,
        )
        _record(
            workspace=workspace,
            kind=Kind.GRANT,
            moves=[(grant, plan.monthly_lead_credits)],
            description=description,
            reference=f"plan:{plan.code}:{start.isoformat()}",
            actor=actor,
        )
    _refresh_active_leads_limit(quota, subscription)


@transaction.atomic
def subscription_create(
    *, workspace: Workspace, plan_code: str = DEFAULT_PLAN_CODE, actor: User | None = None
) -> Subscription:
    """The subscription and quota row of a new workspace; its first period starts now."""
    plan = _plan(plan_code)
    Quota.objects.create(workspace=workspace, active_leads_limit=plan.active_leads_limit)
    quota = _lock(workspace)
    now = timezone.now()
    subscription = Subscription.objects.create(
        workspace=workspace,
        plan=plan,
        current_period_start=now,
        current_period_end=period_end(now, anchor_day=now.day),
        anchor_day=now.day,
    )
    _begin_period(quota, subscription, plan=plan, start=now, anchor_day=now.day, actor=actor, now=now)
    return subscription


@transaction.atomic
def subscription_set_plan(*, workspace: Workspace, plan_code: str, actor: User | None = None) -> Subscription:
    """Moves to ``plan_code`` now, up or down: a new period starts (the operator's ``set_plan``)."""
    plan = _plan(plan_code)
    quota = quota_lock(workspace=workspace)
    subscription = _subscription(workspace)
    if plan == subscription.plan:
        raise DomainError(f"The workspace is already on the {plan.name} plan.", details={"plan": [plan.code]})
    now = timezone.now()
    _begin_period(quota, subscription, plan=plan, start=now, anchor_day=now.day, actor=actor, now=now)
    return subscription


@transaction.atomic
def subscription_change_plan(
    *, workspace: Workspace, plan_code: str, actor: User | None = None
) -> Subscription:
    """The customer's plan change: an upgrade applies now (a new period starts); a downgrade, a cheaper
    plan, waits for the end of the paid period as ``scheduled_plan``. The current plan cancels that.

    A downgrade may leave more active leads than the new limit (rule 4): nothing is deleted, and
    reserving stays refused until used < limit.
    """
    plan = _plan(plan_code)
    quota = quota_lock(workspace=workspace)
    subscription = _subscription(workspace)
    if plan == subscription.plan:
        subscription.scheduled_plan = None
        subscription.save(update_fields=["scheduled_plan"])
    elif plan.is_downgrade_from(subscription.plan):
        subscription.scheduled_plan = plan
        subscription.save(update_fields=["scheduled_plan"])
    else:
        now = timezone.now()
        _begin_period(quota, subscription, plan=plan, start=now, anchor_day=now.day, actor=actor, now=now)
    return subscription


@transaction.atomic
def subscription_renew(*, workspace: Workspace) -> bool:
    """Renews a subscription whose period has ended; returns whether it did. Safe to repeat.

    The new period starts where the old one ended, on the same day of the month; periods nobody was
    there to renew (the scheduler was down) are skipped, not billed. A scheduled downgrade applies.
    Due credit expiries are written either way. Any change under the lock does the same first.
    """
    return _catch_up(_lock(workspace), workspace, timezone.now())


def _catch_up(quota: Quota, workspace: Workspace, now: datetime) -> bool:
    """Renews the period if it has ended and writes due expiries; returns whether it renewed."""
    subscription = _subscription(workspace)
    ended = subscription.current_period_end <= now
    if ended:
        start, anchor_day = subscription.current_period_end, subscription.anchor_day
        while add_months(start, 1, anchor_day=anchor_day) <= now:
            start = add_months(start, 1, anchor_day=anchor_day)
        plan = subscription.scheduled_plan or subscription.plan
        _begin_period(quota, subscription, plan=plan, start=start, anchor_day=anchor_day, actor=None, now=now)
    else:
        _expire_due(workspace, now)
    return ended


def subscriptions_renew_due() -> int:
    """Renews every subscription whose period has ended and writes every due expiry; returns how many
    subscriptions were renewed. Each workspace is its own transaction; one failing does not stop the rest.
    """
    now = timezone.now()
    due = set(
        Subscription.objects.unscoped()
        .filter(current_period_end__lte=now)
        .values_list("workspace", flat=True)
    ) | set(
        CreditGrant.objects.unscoped()
        .filter(expires_at__lte=now, remaining__gt=0)
        .values_list("workspace", flat=True)
    )
    renewed = 0
    for workspace in Workspace.objects.filter(pk__in=due).order_by("pk"):
        try:
            renewed += subscription_renew(workspace=workspace)
        except Exception:
            logger.exception("Renewing the subscription of workspace %s failed", workspace.pk)
    return renewed


@transaction.atomic
def subscription_addon_set(
    *, workspace: Workspace, addon_code: str, quantity: int, actor: User | None = None
) -> int:
    """Sets how many units of an add-on the workspace has (0 removes it); returns the quantity.

    Added units are charged for the current period at once and renew with the plan. Removing units is
    allowed below the active leads in use (rule 4).
    """
    _require_count(quantity, "quantity")
    if quantity > MAX_ADDON_QUANTITY:
        raise DomainError(
            f"At most {MAX_ADDON_QUANTITY} units of an add-on.",
            details={"quantity": [f"Ensure this value is less than or equal to {MAX_ADDON_QUANTITY}."]},
        )
    addon = AddOn.objects.filter(code=addon_code).first()
    if addon is None:
        raise DomainError(
            f"There is no add-on {addon_code!r}.", details={"addon": [f"Unknown add-on {addon_code!r}."]}
        )
    quota = quota_lock(workspace=workspace)
    subscription = _subscription(workspace)
    if quantity and not addon.plans.filter(pk=subscription.plan.pk).exists():
        raise DomainError(
            f"{addon.name} is not available on the {subscription.plan.name} plan.",
            details={"addon": [f"Not available on the {subscription.plan.name} plan."]},
        )
    current = SubscriptionAddOn.objects.for_workspace(workspace).filter(addon=addon).first()
    held = current.quantity if current else 0
    if quantity > held:
        payments.charge(
            workspace=workspace,
            amount_cents=addon.price_cents * (quantity - held),
            purpose=Payment.Purpose.ADDON,
            description=f"{quantity - held} x {addon.name} until {subscription.current_period_end:%Y-%m-%d}",
            actor=actor,
        )
    if quantity == 0:
        SubscriptionAddOn.objects.for_workspace(workspace).filter(addon=addon).delete()
    elif current is None:
        SubscriptionAddOn.objects.create(workspace=workspace, addon=addon, quantity=quantity)
    else:
        current.quantity = quantity
        current.save(update_fields=["quantity"])
    _refresh_active_leads_limit(quota, subscription)
    return quantity


# Audit (rule 12: the counters against their sources)


@transaction.atomic
def quota_audit(*, workspace: Workspace, fix: bool = False) -> list[str]:
    """Recomputes the workspace's counters and balances from their sources; returns the differences
    found (sentences), repairing the counters and grants when ``fix``. The ledger is never rewritten.

    ``active_leads_used`` is checked only when an app registered a counter (billing.quota_sources).
    """
    quota = quota_lock(workspace=workspace)
    differences = []

    counter = quota_sources.active_leads_counter()
    if counter is not None:
        used = counter(workspace)
        if used != quota.active_leads_used:
            differences.append(f"active_leads_used is {quota.active_leads_used}; enrollments count {used}")
            quota.active_leads_used = used
    limit = _active_leads_limit(_subscription(workspace))
    if limit != quota.active_leads_limit:
        differences.append(f"active_leads_limit is {quota.active_leads_limit}; plan and add-ons give {limit}")
        quota.active_leads_limit = limit
    if fix and differences:
        quota.save(update_fields=["active_leads_used", "active_leads_limit", "updated_at"])

    grants = (
        CreditGrant.objects.for_workspace(workspace).annotate(moved=Sum("movements__amount")).order_by("id")
    )
    for grant in grants:
        moved = grant.moved or 0
        if grant.remaining != moved:
            differences.append(
                f"grant {grant.pk} has {grant.remaining} remaining; its movements add up to {moved}"
            )
            if fix:
                grant.remaining = moved
                grant.save(update_fields=["remaining"])

    entries = LedgerEntry.objects.for_workspace(workspace)
    ledger_sum = entries.aggregate(total=Sum("amount"))["total"] or 0
    last_balance = _last_balance(workspace)
    grants_balance = (
        CreditGrant.objects.for_workspace(workspace).aggregate(total=Sum("remaining"))["total"] or 0
    )
    if last_balance != ledger_sum:
        differences.append(f"the last balance_after is {last_balance}; the ledger adds up to {ledger_sum}")
    if grants_balance != ledger_sum:
        differences.append(f"the grants hold {grants_balance} credits; the ledger adds up to {ledger_sum}")
    return differences
