"""Reads that only the dashboard needs: warnings, plan-change previews and the credit chart."""

from django.utils import timezone

from billing.models import CreditGrant, LedgerEntry, SubscriptionAddOn
from billing.selectors import subscription_for_workspace

LOW_CREDITS_SHARE = 0.10
CHART_POINTS = 200


def quota_warnings(usage):
    """What the banner says: active leads at the limit, or credits under 10% of the monthly allowance."""
    warnings = []
    active = usage["active_leads"]
    if active["used"] >= active["limit"]:
        over = active["used"] - active["limit"]
        warnings.append(
            {
                "kind": "active_leads",
                "message": (
                    f"All {active['limit']:,} active leads are in use"
                    + (f" ({over:,} over the limit after a plan change)" if over else "")
                    + ": contacts can't be added to campaigns until some are removed or the plan is upgraded."
                ),
            }
        )
    credits = usage["lead_credits"]
    allowance = credits["monthly_allowance"]
    if allowance and credits["balance"] < allowance * LOW_CREDITS_SHARE:
        warnings.append(
            {
                "kind": "lead_credits",
                "message": (
                    f"Only {credits['balance']:,} lead credits left, under 10% of the "
                    f"{allowance:,} a month of your plan."
                ),
            }
        )
    return warnings


def plan_change_preview(*, workspace, plan, usage):
    """What choosing ``plan`` would change and when, in the words the confirmation page shows."""
    subscription = subscription_for_workspace(workspace=workspace)
    current = subscription.plan
    used = usage["active_leads"]["used"]
    # The add-ons the workspace holds stay with it: they count in the new limit and in each period's price.
    addons = list(SubscriptionAddOn.objects.for_workspace(workspace).select_related("addon"))
    limit = plan.active_leads_limit + sum(item.quantity * item.addon.active_leads for item in addons)
    preview = {
        "plan": plan,
        "current": current,
        "period_end": subscription.current_period_end,
        "notes": [],
        "price_cents": plan.price_cents + sum(item.quantity * item.addon.price_cents for item in addons),
        "with_addons": bool(addons),
    }
    if plan == current:
        preview["kind"] = "cancel_scheduled" if subscription.scheduled_plan else "current"
        return preview
    if plan.is_downgrade_from(current):
        preview["kind"] = "downgrade"
        preview["notes"].append(
            f"You stay on {current.name} until {subscription.current_period_end:%B %-d, %Y}; "
            f"then {plan.name} starts with {limit:,} active leads and "
            f"{plan.monthly_lead_credits:,} lead credits a month."
        )
    else:
        preview["kind"] = "upgrade"
        expiring = sum(
            CreditGrant.objects.for_workspace(workspace)
            .filter(source=CreditGrant.Source.MONTHLY, expires_at__gt=timezone.now())
            .values_list("remaining", flat=True)
        )
        preview["notes"].append(
            f"{plan.name} starts now with {limit:,} active leads and a new period: "
            f"{plan.monthly_lead_credits:,} lead credits are granted today."
        )
        if expiring:
            preview["notes"].append(
                f"The {expiring:,} credits left of this month's {current.name} allowance expire now; "
                "purchased credit packs are kept."
            )
    if limit < used:
        preview["notes"].append(
            f"You have {used:,} active leads, more than {plan.name}'s {limit:,}. "
            "Nothing is deleted, but adding contacts to campaigns stays blocked until you are under "
            "the limit."
        )
    return preview


def credit_chart(*, workspace, now=None):
    """The balance over time for the chart on Billing: ``{"t": epoch milliseconds, "balance": n, "what":
    "Refund +1"}`` (the movement in words, empty for the start and today) per movement of the latest
    ``CHART_POINTS``, oldest first, from the balance before the first of them (zero when the whole ledger
    fits) to the balance now."""
    entries = list(LedgerEntry.objects.for_workspace(workspace).order_by("-id")[:CHART_POINTS])[::-1]
    now = now or timezone.now()
    if not entries:
        return [{"t": _epoch_ms(now), "balance": 0}]
    first = entries[0]
    points = [{"t": _epoch_ms(first.created_at), "balance": first.balance_after - first.amount, "what": ""}]
    points += [
        {
            "t": _epoch_ms(entry.created_at),
            "balance": entry.balance_after,
            "what": f"{entry.get_kind_display()} {entry.amount:+,}",
        }
        for entry in entries
    ]
    # Carries the last step to today, so a quiet month shows as flat rather than missing.
    points.append(
        {"t": max(_epoch_ms(now), points[-1]["t"]), "balance": entries[-1].balance_after, "what": ""}
    )
    return points


def _epoch_ms(moment):
    return int(moment.timestamp() * 1000)
