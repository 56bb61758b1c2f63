"""Plans, periods and add-ons: the subscription of a workspace and what it pays for."""

import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from billing import payments
from billing.models import AddOn, CreditGrant, Payment, Plan, Quota, Subscription, SubscriptionAddOn
from billing.periods import period_end
from billing.services.base import (
    begin_period,
    quota_lock,
    refresh_active_leads_limit,
    require_count,
    subscription_of,
)
from core.errors import DomainError

logger = logging.getLogger(__name__)

DEFAULT_PLAN_CODE = "trial"

# Units of one add-on a workspace may hold (the API, the dashboard and the operator all go through here).
MAX_ADDON_QUANTITY = 100


def _plan(code: str) -> Plan:
    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        codes = ", ".join(Plan.objects.order_by("price_cents").values_list("code", flat=True))
        raise DomainError(
            f"There is no plan {code!r} (plans: {codes}).", details={"plan": [f"Unknown plan {code!r}."]}
        )
    return plan


@transaction.atomic
def subscription_create(
    *, workspace: Workspace, plan_code: str = DEFAULT_PLAN_CODE, actor: User | None = None
) -> Subscription:
    """The subscription and quota row of a new workspace; its first period starts now."""
    plan = _plan(plan_code)
    now = timezone.now()
    Quota.objects.create(workspace=workspace, active_leads_limit=plan.active_leads_limit)
    subscription = Subscription.objects.create(
        workspace=workspace,
        plan=plan,
        current_period_start=now,
        current_period_end=period_end(now, anchor_day=now.day),
        anchor_day=now.day,
    )
    quota = quota_lock(workspace=workspace, now=now)
    begin_period(quota, subscription, plan=plan, start=now, anchor_day=now.day, actor=actor, now=now)
    return subscription


@transaction.atomic
def subscription_set_plan(*, workspace: Workspace, plan_code: str, actor: User | None = None) -> Subscription:
    """Moves to ``plan_code`` now, up or down: a new period starts (the operator's ``set_plan``)."""
    plan = _plan(plan_code)
    quota = quota_lock(workspace=workspace)
    subscription = subscription_of(workspace)
    if plan == subscription.plan:
        raise DomainError(f"The workspace is already on the {plan.name} plan.", details={"plan": [plan.code]})
    now = timezone.now()
    begin_period(quota, subscription, plan=plan, start=now, anchor_day=now.day, actor=actor, now=now)
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
    subscription = subscription_of(workspace)
    if plan == subscription.plan:
        subscription.scheduled_plan = None
        subscription.save(update_fields=["scheduled_plan"])
    elif plan.is_downgrade_from(subscription.plan):
        subscription.scheduled_plan = plan
        subscription.save(update_fields=["scheduled_plan"])
    else:
        now = timezone.now()
        begin_period(quota, subscription, plan=plan, start=now, anchor_day=now.day, actor=actor, now=now)
    return subscription


@transaction.atomic
def subscription_renew(*, workspace: Workspace) -> bool:
    """Renews a subscription whose period has ended; returns whether it did. Safe to repeat.

    Taking the lock is what renews (``quota_lock`` catches up, as before any change): the new period
    starts where the old one ended, periods nobody was there to renew are skipped, not billed, and a
    scheduled downgrade applies. Due credit expiries are written either way.
    """
    return quota_lock(workspace=workspace).period_renewed


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
    require_count(quantity, "quantity")
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
    subscription = subscription_of(workspace)
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
    refresh_active_leads_limit(quota, subscription)
    return quantity
