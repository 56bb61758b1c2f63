"""Bad input gets a clear error and changes nothing (rule 17): ``with nothing_changes():`` around the
request snapshots the workspaces, every tenant table, the quota rows and the credit grants, and compares
afterwards."""

from contextlib import contextmanager

from django.apps import apps
from django.db.models import Max, Sum

from accounts.models import Workspace
from billing.models import CreditGrant, Quota

# The API's own bookkeeping of a request, not the workspace's data.
NOT_STATE = {"api.IdempotencyKey"}


def _tenant_models():
    for model in apps.get_models():
        fields = {field.name for field in model._meta.get_fields()}
        if "workspace" in fields and model._meta.label not in NOT_STATE:
            yield model, "updated_at" in fields


def snapshot():
    """The workspaces' names, row counts (and the latest change, where a table keeps one) of every
    tenant table, the counters of every quota row and what the credit grants have left."""
    state = {"workspaces": sorted(Workspace.objects.values_list("pk", "name"))}
    for model, keeps_changes in _tenant_models():
        rows = model._base_manager.all()
        latest = rows.aggregate(latest=Max("updated_at"))["latest"] if keeps_changes else None
        state[model._meta.label] = (rows.count(), latest)
    state["quotas"] = sorted(
        Quota._base_manager.values_list("workspace_id", "active_leads_used", "active_leads_limit")
    )
    state["credits remaining"] = CreditGrant._base_manager.aggregate(remaining=Sum("remaining"))["remaining"]
    return state


@contextmanager
def nothing_changes():
    before = snapshot()
    yield
    after = snapshot()
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert not changed, f"bad input changed something (before, after): {changed}"
