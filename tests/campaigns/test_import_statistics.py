"""An import that wrote IMPORT_ANALYZE_ROWS contacts or enrollments or more analyzes their tables as it
ends: until autovacuum gets there, the planner would take them for the size they had before the import.
A smaller import leaves the statistics to autovacuum."""

import pytest
from django.db import connection

from campaigns.models import Enrollment
from leads.models import Lead
from tests.campaigns.import_helpers import csv_text, run_import, with_active_leads_limit
from tests.factories import CampaignFactory, WorkspaceFactory
from tests.table_statistics import analyze_count

THRESHOLD = 20


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.IMPORT_ANALYZE_ROWS = THRESHOLD


def contacts(count):
    return csv_text([["Email"], *[[f"lead{number}@example.com"] for number in range(count)]])


def analyzed_by(import_file):
    before = {model: analyze_count(model) for model in (Lead, Enrollment)}
    import_file()
    return {model.__name__: analyze_count(model) - count for model, count in before.items()}


def test_a_large_import_into_a_campaign_analyzes_the_contacts_and_the_enrollments(db):
    workspace = with_active_leads_limit(WorkspaceFactory(), 100)
    campaign = CampaignFactory(workspace=workspace)

    analyzed = analyzed_by(lambda: run_import(workspace, contacts(THRESHOLD), campaign=campaign))

    assert analyzed == {"Lead": 1, "Enrollment": 1}


def test_a_large_import_of_contacts_only_analyzes_the_contacts(db):
    workspace = WorkspaceFactory()

    analyzed = analyzed_by(lambda: run_import(workspace, contacts(THRESHOLD)))

    assert analyzed == {"Lead": 1, "Enrollment": 0}


def test_a_smaller_import_leaves_the_statistics_to_autovacuum(db):
    workspace = with_active_leads_limit(WorkspaceFactory(), 100)
    campaign = CampaignFactory(workspace=workspace)

    analyzed = analyzed_by(lambda: run_import(workspace, contacts(THRESHOLD - 1), campaign=campaign))

    assert analyzed == {"Lead": 0, "Enrollment": 0}


def _leads_indexes(plan):
    """The indexes of the contacts' table that a JSON plan reads."""
    found = (
        {plan["Index Name"]} if plan.get("Relation Name") == "leads_lead" and "Index Name" in plan else set()
    )
    for child in plan.get("Plans", []):
        found |= _leads_indexes(child)
    return found


def test_an_import_looks_contacts_up_by_email_in_a_workspace_the_statistics_do_not_know(db):
    # The statistics know one workspace and that it has every contact: a new one is estimated at one row,
    # for which reading all its contacts by id looks as cheap as looking one email up.
    known = WorkspaceFactory()
    Lead.objects.bulk_create(
        Lead(workspace=known, email=f"known{number}@example.com") for number in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
    workspace = WorkspaceFactory()
    Lead.objects.bulk_create(
        Lead(workspace=workspace, email=f"lead{number}@example.com") for number in range(5)
    )
    lookups = []

    def explain_lookups(execute, sql, params, many, context):
        if "l.email = s.email" in sql:
            raw = context["cursor"].cursor  # the driver's cursor: no wrapper again
            raw.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            lookups.append(_leads_indexes(raw.fetchone()[0][0]["Plan"]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain_lookups):
        job = run_import(workspace, contacts(10))

    assert (job.created, job.updated + job.duplicates) == (5, 5)
    assert len(lookups) == 2  # the new contacts, then the rows of contacts the workspace had
    assert all(indexes == {"lead_email_unique_per_workspace"} for indexes in lookups), lookups
