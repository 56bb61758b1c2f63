"""The ground floor of ``billing.services``: the quota lock, the catch-up it does, and the writers both need.

Every module of the package imports this one and none imports another. The lock brings the workspace up
to now (renews an ended period: charges it, grants its credits, expires the old ones) and those writes
run under the lock, so the lock, the period and the ledger writer live here together: split by name,
the lock would import the period and the period the lock.

Rule 12: ``quota_lock`` is the one function that locks a workspace's quota row. A public service (in
billing, campaigns, the Lead Finder, the import) calls it once, first, and hands the row it returns to
the inner functions (``active_leads_reserve(quota=…)``, ``lead_credits_debit(quota=…)``), which check
with ``require_locked`` that they were given it instead of locking again.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from accounts.models import User, Workspace
from billing import payments
from billing.models import (
    CreditGrant,
    CreditMovement,
    LedgerEntry,
    Payment,
    Plan,
    Quota,
    Subscription,
    SubscriptionAddOn,
)
from billing.periods import add_months, period_end
from core.errors import Conflict

Kind = LedgerEntry.Kind
Source = CreditGrant.Source

LEDGER_DESCRIPTION_MAX_LENGTH = LedgerEntry._meta.get_field("description").max_length


def require_count(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, not {value!r}.")


def subscription_of(workspace: Workspace) -> Subscription:
    return Subscription.objects.for_workspace(workspace).select_related("plan", "scheduled_plan").get()


def last_balance(workspace: Workspace) -> int:
    """The balance after the workspace's newest ledger entry (0 before the first)."""
    entries = LedgerEntry.objects.for_workspace(workspace).order_by("-id")
    return entries.values_list("balance_after", flat=True).first() or 0


# The lock (rule 12)


def quota_lock(*, workspace: Workspace, now: datetime | None = None) -> Quota:
    """Locks and returns the workspace's quota row (rule 12), then brings the workspace up to ``now``
    (the present by default): renews an ended period, writes due credit expiries. The row remembers
    that moment (``locked_as_of``): a debit under this lock spends at it, so a grant expiring between the
    lock and the debit cannot make the debit find fewer credits than the caller counted at ``now``.

    Not atomic by itself on purpose: the lock lasts as long as the caller's ``transaction.atomic()``,
    and outside one Django (on PostgreSQL) refuses ``select_for_update()`` instead of locking nothing.
    """
    now = now or timezone.now()
    quota = Quota.objects.for_workspace(workspace).select_for_update().get()
    quota.workspace = workspace
    quota.period_renewed = _catch_up(quota, now)
    quota.locked_as_of = now
    # The lock ends with the transaction: a row kept past the commit is no longer a locked one.
    transaction.on_commit(lambda: setattr(quota, "locked_as_of", None))
    return quota


def require_locked(quota: Quota) -> datetime:
    """Refuses a quota row that ``quota_lock`` did not return in the transaction running now; returns
    the moment that lock brought the workspace up to (``locked_as_of``)."""
    if quota.locked_as_of is None or not connection.in_atomic_block:
        raise TransactionManagementError(
            "Pass the quota row that quota_lock() returned in this transaction: it holds the lock."
        )
    return quota.locked_as_of


# Active-leads limit (plan + add-ons), refreshed by every period start


def active_leads_limit_of(subscription: Subscription) -> int:
    addons = SubscriptionAddOn.objects.for_workspace(subscription.workspace)
    extra = addons.aggregate(total=Sum(F("quantity") * F("addon__active_leads")))["total"] or 0
    return subscription.plan.active_leads_limit + extra


def refresh_active_leads_limit(quota: Quota, subscription: Subscription) -> None:
    limit = active_leads_limit_of(subscription)
    if quota.active_leads_limit != limit:
        quota.active_leads_limit = limit
        quota.save(update_fields=["active_leads_limit", "updated_at"])


# The ledger (rules 5, 6)


def record(
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
    previous = last_balance(workspace)
    entry = LedgerEntry.objects.create(
        workspace=workspace,
        kind=kind,
        amount=amount,
        balance_after=previous + amount,
        actor=actor,
        description=description[:LEDGER_DESCRIPTION_MAX_LENGTH],
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
        record(
            workspace=workspace,
            kind=Kind.EXPIRY,
            moves=[(grant, -grant.remaining)],
            description=f"{grant.remaining} unused credits of “{grant.description}” expired",
            reference=f"grant:{grant.pk}",
        )
        for grant in due
    ]


# Periods


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


def begin_period(
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
        record(
            workspace=workspace,
            kind=Kind.GRANT,
            moves=[(grant, plan.monthly_lead_credits)],
            description=description,
            reference=f"plan:{plan.code}:{start.isoformat()}",
            actor=actor,
        )
    refresh_active_leads_limit(quota, subscription)


def _catch_up(quota: Quota, now: datetime) -> bool:
    """Renews the period if it has ended and writes due expiries; returns whether it renewed.

    The new period starts where the old one ended, on the same day of the month; periods nobody was
    there to renew (the scheduler was down) are skipped, not billed. A scheduled downgrade applies.
    """
    workspace = quota.workspace
    subscription = subscription_of(workspace)
    ended = subscription.current_period_end <= now
    if ended:
        start, anchor_day = subscription.current_period_end, subscription.anchor_day
        while add_months(start, 1, anchor_day=anchor_day) <= now:
            start = add_months(start, 1, anchor_day=anchor_day)
        plan = subscription.scheduled_plan or subscription.plan
        begin_period(quota, subscription, plan=plan, start=start, anchor_day=anchor_day, actor=None, now=now)
    else:
        _expire_due(workspace, now)
    return ended


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
            quota_lock(workspace=workspace, now=now)
    return now
