"""Rules 1, 3, 4 and 12: the active-leads ceiling, kept on the quota row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import selectors, services
from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from core.errors import DomainError
from tests.billing.factories import debit_credits, free_slots, take_slots
from tests.factories import WorkspaceFactory
from tests.unchanged import nothing_changes


def quota(workspace):
    return Quota.objects.for_workspace(workspace).get()


def usage(workspace):
    return selectors.usage_for_workspace(workspace=workspace)["active_leads"]


def test_a_new_workspace_starts_on_trial_with_its_plan_limit_and_nothing_used(workspace):
    assert usage(workspace) == {"limit": 250, "used": 0, "available": 250}


def test_active_leads_limit_is_the_plan_limit_plus_active_addons(db):
    workspace = WorkspaceFactory(plan_code="hypergrowth")
    services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=2)
    take_slots(workspace, 30_000)

    assert usage(workspace) == {"limit": 75_000, "used": 30_000, "available": 45_000}

    services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=0)
    assert usage(workspace) == {"limit": 25_000, "used": 30_000, "available": 0}


def test_the_active_leads_addon_is_not_offered_on_smaller_plans(workspace):
    with pytest.raises(DomainError, match="not available on the Trial plan"):
        services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=1)
    assert quota(workspace).active_leads_limit == 250


def test_moving_to_a_plan_without_the_addon_drops_it(db):
    workspace = WorkspaceFactory(plan_code="lightspeed")
    services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=1)
    assert quota(workspace).active_leads_limit == 125_000

    services.subscription_set_plan(workspace=workspace, plan_code="growth")

    assert quota(workspace).active_leads_limit == 1_200


def test_reserving_never_takes_used_over_the_limit(workspace):
    take_slots(workspace, 240)

    with nothing_changes(), pytest.raises(ActiveLeadsLimitReached) as refusal:
        take_slots(workspace, 20)

    assert refusal.value.status_code == 402
    assert refusal.value.code == "active_leads_limit_reached"
    assert refusal.value.details == {"requested": 20, "available": 10, "limit": 250}
    assert quota(workspace).active_leads_used == 240


def test_partial_reservation_adds_what_fits_and_reports_how_many(workspace):
    take_slots(workspace, 240)

    taken = take_slots(workspace, 20, allow_partial=True)

    assert taken == 10
    assert usage(workspace) == {"limit": 250, "used": 250, "available": 0}
    assert take_slots(workspace, 5, allow_partial=True) == 0


def test_releasing_frees_slots_at_once(workspace):
    take_slots(workspace, 250)

    assert free_slots(workspace, 50) == 50
    assert usage(workspace) == {"limit": 250, "used": 200, "available": 50}


def test_releasing_more_than_is_used_stops_at_zero_and_logs_it(workspace, caplog):
    take_slots(workspace, 3)

    assert free_slots(workspace, 5) == 3

    assert quota(workspace).active_leads_used == 0
    assert "run audit_quotas" in caplog.text


def test_counts_must_be_whole_and_not_negative(workspace):
    with pytest.raises(ValueError, match="count"):
        take_slots(workspace, -1)


def test_downgrade_below_used_is_allowed_deletes_nothing_and_blocks_adding_until_below_limit(db):
    workspace = WorkspaceFactory(plan_code="growth")
    take_slots(workspace, 1_000)

    services.subscription_set_plan(workspace=workspace, plan_code="trial")

    assert usage(workspace) == {"limit": 250, "used": 1_000, "available": 0}
    with pytest.raises(ActiveLeadsLimitReached) as refusal:
        take_slots(workspace, 1)
    assert refusal.value.details == {"requested": 1, "available": 0, "limit": 250}

    free_slots(workspace, 750)
    with pytest.raises(ActiveLeadsLimitReached):
        take_slots(workspace, 1)

    free_slots(workspace, 1)
    assert take_slots(workspace, 1) == 1


CATALOG_TABLES = ('"billing_plan"', '"billing_creditpack"', '"billing_addon"')


def _workspace_queries(queries):
    """Reads and writes of workspace data: not savepoints, not the catalog of plans and packs."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].split()[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}
        and not any(f"FROM {table}" in q["sql"] for table in CATALOG_TABLES)
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda ws: take_slots(ws, 1),
        lambda ws: free_slots(ws, 1),
        lambda ws: debit_credits(ws, 1),
        lambda ws: services.credit_pack_purchase(workspace=ws, pack_code="credits_1000"),
        lambda ws: services.subscription_change_plan(workspace=ws, plan_code="growth"),
    ],
    ids=["reserve", "release", "debit", "credit pack", "plan change"],
)
def test_every_quota_change_touches_the_quota_row_before_any_other_workspace_data(workspace, change):
    with CaptureQueriesContext(connection) as captured:
        change(workspace)

    first = _workspace_queries(captured.captured_queries)[0]
    assert 'FROM "billing_quota"' in first
    assert first.startswith("SELECT")


def test_the_quota_row_is_locked_for_update(workspace):
    with CaptureQueriesContext(connection) as captured:
        debit_credits(workspace, 1)

    first = _workspace_queries(captured.captured_queries)[0]
    assert 'FROM "billing_quota"' in first
    assert first.rstrip().endswith("FOR UPDATE")


def test_more_units_of_an_addon_than_allowed_are_refused_and_change_nothing(db):
    workspace = WorkspaceFactory(plan_code="lightspeed")
    before = quota(workspace).active_leads_limit

    with pytest.raises(DomainError, match=f"At most {services.MAX_ADDON_QUANTITY} units"):
        services.subscription_addon_set(
            workspace=workspace, addon_code="active_leads_25k", quantity=services.MAX_ADDON_QUANTITY + 1
        )

    assert quota(workspace).active_leads_limit == before
