"""The audit of rule 12: the counters and balances recomputed from their sources."""

from django.db import transaction
from django.db.models import Sum

from accounts.models import Workspace
from billing import quota_sources
from billing.models import CreditGrant, LedgerEntry
from billing.services.base import active_leads_limit_of, last_balance, quota_lock, subscription_of


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
    limit = active_leads_limit_of(subscription_of(workspace))
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
    balance_after = last_balance(workspace)
    grants_balance = (
        CreditGrant.objects.for_workspace(workspace).aggregate(total=Sum("remaining"))["total"] or 0
    )
    if balance_after != ledger_sum:
        differences.append(f"the last balance_after is {balance_after}; the ledger adds up to {ledger_sum}")
    if grants_balance != ledger_sum:
        differences.append(f"the grants hold {grants_balance} credits; the ledger adds up to {ledger_sum}")
    return differences
