"""The events that are not lead.*: each is written once, in the transaction of its change (a rolled-back
change leaves none), with the data docs/webhooks.md describes."""

import pytest
from django.db import transaction

from billing import services as billing_services
from billing.models import CreditGrant
from campaigns import services as campaign_services
from campaigns.importing import services as import_services
from campaigns.importing import tasks as import_tasks
from campaigns.importing.pipeline import run_import_job
from campaigns.importing.services import NOT_QUEUED
from campaigns.models import Campaign
from core.api.models import Event
from leadfinder import services as leadfinder_services
from tests.billing.factories import debit_credits, free_slots, take_slots
from tests.campaigns.import_helpers import run_import, start_import
from tests.factories import CampaignFactory, make_prospects


class Undo(Exception):
    pass


def events(workspace, type):
    return list(Event.objects.for_workspace(workspace).filter(type=type).order_by("pk"))


def test_a_finished_import_writes_import_finished_once(workspace):
    campaign = CampaignFactory(workspace=workspace)

    job = run_import(workspace, "Email\nann@example.com\nnot-an-email\n", campaign=campaign)

    (event,) = events(workspace, "import.finished")
    assert event.data == {
        "import_id": job.pk,
        "status": "succeeded",
        "campaign": campaign.pk,
        "filename": "leads.csv",
        "rows_processed": 2,
        "created": 1,
        "updated": 0,
        "enrolled": 1,
        "already_in_campaign": 0,
        "duplicates": 0,
        "invalid": 1,
        "over_limit": 0,
        "suppressed": 0,
        "error": None,
    }


def test_a_failed_import_writes_import_finished_with_its_error(workspace):
    campaign = CampaignFactory(workspace=workspace)
    job = start_import(workspace, "Email\nann@example.com\n", campaign=campaign)
    campaign_services.campaign_set_status(
        workspace=workspace, campaign=campaign, status=Campaign.Status.ARCHIVED
    )

    run_import_job(job_id=job.pk)

    job.refresh_from_db()
    (event,) = events(workspace, "import.finished")
    assert (event.data["status"], event.data["error"]) == ("failed", job.error)
    assert job.error.startswith(f"{campaign.name} is archived")


def test_an_import_the_queue_refuses_writes_import_finished_as_failed(
    workspace, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(job_id):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(import_tasks.run_import, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(workspace, "Email\nann@example.com\n")

    (event,) = events(workspace, "import.finished")
    assert (event.data["import_id"], event.data["status"], event.data["error"]) == (
        job.pk,
        "failed",
        NOT_QUEUED,
    )


def test_a_cancelled_import_writes_import_finished_and_a_rolled_back_cancel_writes_none(workspace):
    job = start_import(workspace, "Email\nann@example.com\n")

    with pytest.raises(Undo), transaction.atomic():
        import_services.import_cancel(workspace=workspace, job=job)
        raise Undo
    assert events(workspace, "import.finished") == []

    import_services.import_cancel(workspace=workspace, job=job)
    (event,) = events(workspace, "import.finished")
    assert (event.data["import_id"], event.data["status"]) == (job.pk, "cancelled")


def test_a_download_writes_leadfinder_download_created_once_and_none_when_rolled_back(workspace):
    prospects = make_prospects(3)

    with pytest.raises(Undo), transaction.atomic():
        leadfinder_services.download_create(workspace=workspace, prospect_ids=[p.pk for p in prospects])
        raise Undo
    assert events(workspace, "leadfinder.download.created") == []

    download = leadfinder_services.download_create(
        workspace=workspace, prospect_ids=[p.pk for p in prospects]
    )

    (event,) = events(workspace, "leadfinder.download.created")
    assert event.data == {
        "download_id": download.pk,
        "campaign": None,
        "requested": 3,
        "charged": 3,
        "already_owned": 0,
        "skipped_no_email": 0,
        "skipped_suppressed": 0,
        "added_to_campaign": 0,
        "not_added_over_limit": 0,
    }


def test_active_leads_full_is_written_when_a_reserve_reaches_the_limit_from_below(workspace):
    take_slots(workspace, 249)
    assert events(workspace, "active_leads.full") == [], "one slot still free (trial: 250)"

    with pytest.raises(Undo), transaction.atomic():
        take_slots(workspace, 1)
        raise Undo
    assert events(workspace, "active_leads.full") == []

    take_slots(workspace, 1)
    take_slots(workspace, 5, allow_partial=True)  # full already: takes nothing, says nothing
    free_slots(workspace, 2)
    take_slots(workspace, 2)  # from below again

    first, second = events(workspace, "active_leads.full")
    assert first.data == second.data == {"limit": 250, "used": 250}


def test_lead_credits_low_is_written_when_a_debit_crosses_below_10_percent_of_the_monthly_credits(workspace):
    # Trial: 100 credits a month, so the threshold is 10.
    debit_credits(workspace, 90)
    assert events(workspace, "lead_credits.low") == [], "10 left: not below"

    with pytest.raises(Undo), transaction.atomic():
        debit_credits(workspace, 1)
        raise Undo
    assert events(workspace, "lead_credits.low") == []

    debit_credits(workspace, 1)
    debit_credits(workspace, 1)  # below already: said once
    (event,) = events(workspace, "lead_credits.low")
    assert event.data == {"balance": 9, "threshold": 10, "monthly_allowance": 100}

    billing_services.lead_credits_grant(
        workspace=workspace, amount=50, source=CreditGrant.Source.ADJUSTMENT, description="Top-up"
    )
    debit_credits(workspace, 55)
    assert len(events(workspace, "lead_credits.low")) == 2, "refilled, then below again"


def test_the_threshold_is_at_least_one_credit():
    assert billing_services.lead_credits_low_threshold(0) == 1
    assert billing_services.lead_credits_low_threshold(5) == 1
    assert billing_services.lead_credits_low_threshold(1_200) == 120
