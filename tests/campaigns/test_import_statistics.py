"""An import that wrote IMPORT_ANALYZE_ROWS contacts or enrollments or more analyzes their tables as it
ends: until autovacuum gets there, the planner would take them for the size they had before the import.
A smaller import leaves the statistics to autovacuum."""

import pytest

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
