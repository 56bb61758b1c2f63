"""Rule 12, lock once at the door: a public service locks the workspace's quota row with one
``SELECT … FOR UPDATE`` and hands the row to billing's inner functions, which refuse a row not locked."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from billing import services
from billing.models import LedgerEntry, Quota
from campaigns import services as campaign_services
from campaigns.importing.pipeline import ImportRun, run_import_job
from campaigns.models import Enrollment
from leadfinder import services as leadfinder_services
from tests.campaigns.import_helpers import csv_text, start_import
from tests.factories import CampaignFactory, LeadFactory, make_prospects
from tests.unchanged import nothing_changes


def quota_row_locks(captured):
    return [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "billing_quota"' in query["sql"] and query["sql"].rstrip().endswith("FOR UPDATE")
    ]


def test_adding_contacts_to_a_campaign_locks_the_quota_row_once(workspace):
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)

    with CaptureQueriesContext(connection) as captured:
        result = campaign_services.enrollments_add(
            workspace=workspace,
            campaign=campaign,
            lead_ids=[lead.pk for lead in leads],
            leads=[{"email": "new@example.com"}],
        )

    assert result.added == 4
    assert len(quota_row_locks(captured)) == 1


def test_a_lead_finder_take_into_a_campaign_locks_the_quota_row_once(workspace):
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(3)

    with CaptureQueriesContext(connection) as captured:
        download = leadfinder_services.download_create(
            workspace=workspace, prospect_ids=[p.pk for p in prospects], campaign=campaign
        )

    assert (download.charged, download.added_to_campaign) == (3, 3)
    assert len(quota_row_locks(captured)) == 1


def test_a_credit_pack_purchase_locks_the_quota_row_once(workspace):
    with CaptureQueriesContext(connection) as captured:
        grant = services.credit_pack_purchase(workspace=workspace, pack_code="credits_1000")

    assert grant.amount == 1_000
    assert len(quota_row_locks(captured)) == 1


def test_an_import_into_a_campaign_locks_the_quota_row_once_per_chunk(workspace, settings, monkeypatch):
    settings.IMPORT_CHUNK_ROWS = 2
    campaign = CampaignFactory(workspace=workspace)
    rows = [["email"], *([f"row{number}@example.com"] for number in range(6))]
    job = start_import(workspace, csv_text(rows), campaign=campaign)
    chunks, commit = [], ImportRun._commit

    def counted_commit(run, chunk):
        chunks.append(chunk)
        return commit(run, chunk)

    monkeypatch.setattr(ImportRun, "_commit", counted_commit)

    with CaptureQueriesContext(connection) as captured:
        run_import_job(job_id=job.pk)

    assert Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).count() == 6
    assert len(chunks) >= 3  # 6 rows in chunks of 2
    assert len(quota_row_locks(captured)) == len(chunks)


def test_a_quota_row_read_without_the_lock_is_refused_and_changes_nothing(workspace):
    unlocked = Quota.objects.for_workspace(workspace).get()

    with (
        nothing_changes(),
        pytest.raises(TransactionManagementError, match="quota_lock"),
        transaction.atomic(),
    ):
        services.active_leads_reserve(quota=unlocked, count=1)


def test_a_quota_row_locked_in_a_transaction_that_committed_is_refused(
    workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        locked = services.quota_lock(workspace=workspace)

    with (
        nothing_changes(),
        pytest.raises(TransactionManagementError, match="quota_lock"),
        transaction.atomic(),
    ):
        services.lead_credits_debit(quota=locked, amount=1, description="after the commit")

    assert not LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.DEBIT).exists()
