"""The audit of rule 12: the counters and balances recomputed from their sources."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum

from accounts.models import Workspace
from billing import quota_sources
from billing.models import CreditGrant, LedgerEntry
from billing.services.base import active_leads_limit_of, last_balance, quota_lock, subscription_of


@dataclass
class QuotaAudit:
    """What ``quota_audit_report`` found: the differences (sentences), and the active leads as the
    enrollments count them under the lock: ``used`` (None without a registered counter) and the finished
    leads kept without a slot (``finished_kept``: 0 while ``release_finished`` is off)."""

    release_finished: bool
    used: int | None = None
    finished_kept: int = 0
    differences: list[str] = field(default_factory=list)


@transaction.atomic
def quota_audit(*, workspace: Workspace, fix: bool = False) -> list[str]:
    """Recomputes the workspace's counters and balances from their sources; returns the differences
    found (sentences), repairing the counters and grants when ``fix``. The ledger is never rewritten.

    ``active_leads_used`` is checked only when an app registered a counter (billing.quota_sources),
    counted with the workspace's ``release_finished_leads`` as the locked row has it (rule 22).
    """
    return quota_audit_report(workspace=workspace, fix=fix).differences


@transaction.atomic
def quota_audit_report(*, workspace: Workspace, fix: bool = False) -> QuotaAudit:
    """``quota_audit`` with what the enrollments count (``audit_quotas`` prints both)."""
    quota = quota_lock(workspace=workspace)
    report = QuotaAudit(release_finished=quota.release_finished_leads)
    differences = report.differences

    counter = quota_sources.active_leads_counter()
    if counter is not None:
        used = report.used = counter(workspace, release_finished=quota.release_finished_leads)
        finished_counter = quota_sources.finished_leads_counter()
        if quota.release_finished_leads and finished_counter is not None:
            report.finished_kept = finished_counter(workspace)
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
    return report
