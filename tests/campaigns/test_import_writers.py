"""The import's two contact writers give the same answers: set-based SQL on PostgreSQL and the ORM's bulk
operations (what SQLite, the first-run default, uses). The ORM writer runs on PostgreSQL too, so the same
file goes through each, into workspaces that start the same, and everything a user can see must match:
buckets, contacts, enrollments, the error report."""

import csv
import io

import pytest

from campaigns.importing import pipeline
from campaigns.importing.report import error_report_lines
from campaigns.importing.writers import OrmContactWriter, PostgresContactWriter
from campaigns.models import Campaign, Enrollment
from leads import services as lead_services
from leads.models import Lead
from tests.campaigns.import_helpers import (
    assert_every_row_in_one_bucket,
    buckets,
    known_contacts,
    mixed_file,
    run_import,
    with_active_leads_limit,
)
from tests.factories import CampaignFactory, WorkspaceFactory

pytestmark = pytest.mark.postgres

# Beyond mixed_file's repeats of new contacts: a contact the workspace had, twice in the file, the second
# time in a later chunk; a new contact repeated with spaces and capitals.
EXTRA_ROWS = "KNOWN13@example.com,Again,Other Co,bronze\n Lead1@Example.com ,Again,,\n"
MAPPING = {
    "Email": "email",
    "First Name": "first_name",
    "Company": "company_name",
    "Plan": "custom_fields.plan",
}


def outcome(writer, monkeypatch, *, into_campaign, on_duplicate):
    monkeypatch.setattr(pipeline, "writer_for", lambda job, fields: writer(job, fields))
    workspace = with_active_leads_limit(WorkspaceFactory(), 40)
    campaign = CampaignFactory(workspace=workspace) if into_campaign else None
    known_contacts(workspace, campaign=campaign)
    for lead in Lead.objects.for_workspace(workspace):  # the factory's names are random
        lead_services.lead_update(workspace=workspace, lead=lead, data={"first_name": "Had before"})
    job = run_import(
        workspace, mixed_file() + EXTRA_ROWS, campaign=campaign, on_duplicate=on_duplicate, mapping=MAPPING
    )
    assert_every_row_in_one_bucket(job)
    contacts = sorted(
        Lead.objects.for_workspace(workspace).values_list(
            "email", "first_name", "company_name", "custom_fields", "source"
        )
    )
    enrolled = sorted(
        Enrollment.objects.for_workspace(workspace)
        .filter(campaign__in=Campaign.objects.for_workspace(workspace))
        .values_list("lead__email", flat=True)
    )
    report = list(csv.reader(io.StringIO("".join(error_report_lines(workspace=workspace, job=job)))))
    return buckets(job), contacts, enrolled, report


@pytest.mark.parametrize("into_campaign", [True, False], ids=["campaign", "contacts-only"])
@pytest.mark.parametrize("on_duplicate", ["skip", "update"])
def test_the_sql_and_the_orm_writer_give_the_same_answers(
    db, monkeypatch, settings, into_campaign, on_duplicate
):
    settings.IMPORT_CHUNK_ROWS = 8
    options = {"into_campaign": into_campaign, "on_duplicate": on_duplicate}

    with_sql = outcome(PostgresContactWriter, monkeypatch, **options)
    with_orm = outcome(OrmContactWriter, monkeypatch, **options)

    assert with_sql == with_orm
    counts, _, _, report = with_sql
    assert counts["duplicates"] >= 2 and counts["invalid"] > 0
    repeat_of_a_known_contact = ["62", "Same email as row 15 of this file.", "KNOWN13@example.com"]
    assert [*repeat_of_a_known_contact, "Again", "Other Co", "bronze"] in report
    if into_campaign:
        assert counts["over_limit"] > 0 and counts["already_in_campaign"] > 0
