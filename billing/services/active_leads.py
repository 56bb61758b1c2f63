"""Active-lead slots (rules 1-4): a ceiling on the quota row, taken and freed under its lock."""

import logging

from django.db import transaction

from accounts.models import Workspace
from billing import quota_sources
from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from billing.services.base import (
    quota_lock,
    refresh_active_leads_limit,
    require_count,
    require_locked,
    subscription_of,
)
from core.events import event_emit

logger = logging.getLogger(__name__)


def active_leads_reserve(*, quota: Quota, count: int, allow_partial: bool = False) -> int:
    """Takes ``count`` active-lead slots of the locked ``quota`` row and returns how many it took.

    All or nothing by default: what does not fit raises ``ActiveLeadsLimitReached`` and nothing is taken.
    With ``allow_partial`` it takes what fits (possibly 0); the caller reports ``count - taken``.
    Runs in the caller's transaction, which locked the row (``quota_lock``) before deciding what to add.
    """
    require_locked(quota)
    require_count(count, "count")
    available = quota.active_leads_available
    if count > available and not allow_partial:
        raise ActiveLeadsLimitReached(requested=count, available=available, limit=quota.active_leads_limit)
    taken = min(count, available)
    if taken:
        quota.active_leads_used += taken
        quota.save(update_fields=["active_leads_used", "updated_at"])
        if quota.active_leads_used >= quota.active_leads_limit > quota.active_leads_used - taken:
            # Crossing from below: ``active_leads.full`` (webhooks) once per time the slots run out.
            event_emit(
                workspace=quota.workspace,
                type="active_leads.full",
                data={"limit": quota.active_leads_limit, "used": quota.active_leads_used},
            )
    return taken


def active_leads_release(*, quota: Quota, count: int) -> int:
    """Frees ``count`` slots of the locked ``quota`` row and returns how many were freed.

    Freeing more than is used means the counter drifted: it stops at 0 (removing contacts must never
    fail over a counter) and says so in the log; ``audit_quotas --fix`` recounts it.
    """
    require_locked(quota)
    require_count(count, "count")
    freed = min(count, quota.active_leads_used)
    if freed < count:
        logger.warning(
            "Workspace %s released %s active leads with %s used; run audit_quotas.",
            quota.workspace_id,
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
    refresh_active_leads_limit(quota, subscription_of(workspace))
    return quota


@transaction.atomic
def release_finished_leads_set(*, workspace: Workspace, value: bool) -> Quota:
    """Switches the workspace's ``release_finished_leads`` setting (rule 22) and recounts
    ``active_leads_used`` from the enrollments under the quota lock, in the same transaction, so no
    change to enrollments sees the setting without its count. Switching it off may leave ``used`` above
    the limit: nothing is removed, adding waits until there is room again (rule 4). Setting the value it
    has changes nothing."""
    if not isinstance(value, bool):
        raise ValueError(f"release_finished_leads is true or false, not {value!r}.")
    quota = quota_lock(workspace=workspace)
    if quota.release_finished_leads == value:
        return quota
    quota.release_finished_leads = value
    fields = ["release_finished_leads", "updated_at"]
    counter = quota_sources.active_leads_counter()
    if counter is not None:
        quota.active_leads_used = counter(workspace, release_finished=value)
        fields.append("active_leads_used")
    quota.save(update_fields=fields)
    return quota
