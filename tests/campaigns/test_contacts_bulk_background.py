"""Bulk actions on Contacts over more than ``CONTACTS_BULK_BACKGROUND_ABOVE`` contacts run in a Celery
task rather than in the request (at 1,000,000 contacts some took 20-30 s, past what a proxy waits): the
confirm answers at once with a page that shows the progress, then what was done, in the same words as a
bulk action done in the request. The task reads the selection again from the filters it kept, and every
chunk recounts under the quota lock, so it never takes more slots than are free."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from billing.models import Quota
from campaigns import services as campaign_services
from campaigns.contacts import background, bulk
from campaigns.models import BulkAction, Campaign, Enrollment
from leads.models import Lead
from tests.campaigns.import_helpers import with_active_leads_limit
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, enroll, owner_of
from tests.workers import wait_for

URL = "/contacts/bulk/"


@pytest.fixture
def client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


@pytest.fixture
def background_above_three(settings):
    settings.CONTACTS_BULK_BACKGROUND_ABOVE = 3


def _status(client, bulk_action):
    response = client.get(f"/contacts/bulk/{bulk_action.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_big_selection_is_queued_and_done_by_the_task(
    client, workspace, background_above_three, django_capture_on_commit_callbacks, monkeypatch
):
    LeadFactory.create_batch(5, workspace=workspace, company_name="Globex")
    LeadFactory(workspace=workspace, company_name="Acme")
    sent = []
    monkeypatch.setattr(background.tasks.run_contacts_bulk, "delay", sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"action": "delete", "scope": "matching", "q": "globex"})

    bulk_action = BulkAction.objects.for_workspace(workspace).get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/bulk/{bulk_action.pk}/"
    assert (bulk_action.status, bulk_action.selected, bulk_action.filters) == ("queued", 5, {"q": "globex"})
    assert sent == [bulk_action.pk]
    assert Lead.objects.for_workspace(workspace).count() == 6  # nothing done in the request
    assert "Waiting for a worker." in _status(client, bulk_action)

    bulk.bulk_action_run(bulk_action_id=bulk_action.pk)

    bulk_action.refresh_from_db()
    assert (bulk_action.status, bulk_action.processed, bulk_action.warning) == ("done", 5, False)
    assert bulk_action.outcome == "Deleted 5 contacts; 0 active-lead slots freed."
    assert list(Lead.objects.for_workspace(workspace).values_list("company_name", flat=True)) == ["Acme"]
    page = _status(client, bulk_action)
    assert "Deleted 5 contacts; 0 active-lead slots freed." in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling


@pytest.mark.django_db
def test_up_to_the_threshold_the_action_is_done_in_the_request(client, workspace, background_above_three):
    LeadFactory.create_batch(3, workspace=workspace)

    response = client.post(URL, {"action": "delete", "scope": "matching"})

    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    assert not BulkAction.objects.for_workspace(workspace).exists()
    assert not Lead.objects.for_workspace(workspace).exists()
    messages = [message.message for message in get_messages(response.wsgi_request)]
    assert messages == ["Deleted 3 contacts; 0 active-lead slots freed."]


@pytest.mark.django_db
def test_the_task_adds_what_fits_recounting_the_slots_as_it_goes(client, workspace, background_above_three):
    """Slots taken between the confirm and the task are not given twice: the task adds what fits then."""
    with_active_leads_limit(workspace, 4)
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(6, workspace=workspace, company_name="Globex")
    client.post(URL, {"action": "add", "target": campaign.pk, "scope": "matching", "q": "globex"})
    other = CampaignFactory(workspace=workspace)
    campaign_services.enrollments_add_many(
        workspace=workspace, campaign=other, lead_ids=[LeadFactory(workspace=workspace).pk]
    )
    bulk_action = BulkAction.objects.for_workspace(workspace).get()

    bulk.bulk_action_run(bulk_action_id=bulk_action.pk)

    bulk_action.refresh_from_db()
    assert bulk_action.status == "done"
    assert bulk_action.warning is True
    assert bulk_action.outcome == (
        f"Added 3 contacts to {campaign.name}. "
        "3 did not fit (no active-lead slot was left) and stay in Contacts."
    )
    assert Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).count() == 3
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == 4
    assert {lead.pk for lead in leads} >= set(
        Enrollment.objects.for_workspace(workspace)
        .filter(campaign=campaign)
        .values_list("lead_id", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["campaign deleted", "campaign archived", "filter's campaign deleted"])
def test_a_campaign_gone_before_the_task_fails_it_with_a_reason_and_changes_nothing(
    client, workspace, background_above_three, what
):
    campaign = CampaignFactory(workspace=workspace)
    filtered_by = CampaignFactory(workspace=workspace)
    enroll(filtered_by, LeadFactory.create_batch(5, workspace=workspace))
    client.post(
        URL, {"action": "add", "target": campaign.pk, "scope": "matching", "campaign": filtered_by.pk}
    )
    bulk_action = BulkAction.objects.for_workspace(workspace).get()
    if what == "campaign deleted":
        campaign_services.campaign_delete(workspace=workspace, campaign=campaign)
    elif what == "campaign archived":
        Campaign.objects.for_workspace(workspace).filter(pk=campaign.pk).update(status="archived")
    else:
        campaign_services.campaign_delete(workspace=workspace, campaign=filtered_by)

    bulk.bulk_action_run(bulk_action_id=bulk_action.pk)

    bulk_action.refresh_from_db()
    assert bulk_action.status == "failed"
    assert "nothing was done" in bulk_action.outcome
    assert not Enrollment.objects.for_workspace(workspace).filter(campaign_id=campaign.pk).exists()
    assert "Failed." in _status(client, bulk_action)


@pytest.mark.django_db
def test_a_finished_action_delivered_again_is_left_alone(client, workspace, background_above_three):
    LeadFactory.create_batch(4, workspace=workspace)
    client.post(URL, {"action": "delete", "scope": "matching"})
    bulk_action = BulkAction.objects.for_workspace(workspace).get()
    bulk.bulk_action_run(bulk_action_id=bulk_action.pk)
    LeadFactory.create_batch(4, workspace=workspace)

    bulk.bulk_action_run(bulk_action_id=bulk_action.pk)

    assert Lead.objects.for_workspace(workspace).count() == 4
    bulk_action.refresh_from_db()
    assert bulk_action.outcome == "Deleted 4 contacts; 0 active-lead slots freed."


@pytest.mark.django_db
def test_a_refused_broker_fails_the_action_with_a_message(
    client, workspace, background_above_three, django_capture_on_commit_callbacks, monkeypatch
):
    LeadFactory.create_batch(4, workspace=workspace)

    def refused(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(background.tasks.run_contacts_bulk, "delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"action": "delete", "scope": "matching"})

    bulk_action = BulkAction.objects.for_workspace(workspace).get()
    assert (bulk_action.status, bulk_action.outcome) == ("failed", background.NOT_QUEUED)
    assert Lead.objects.for_workspace(workspace).count() == 4


@pytest.mark.django_db
def test_another_workspaces_bulk_action_is_a_404(client, workspace):
    elsewhere = WorkspaceFactory()
    bulk_action = BulkAction.objects.create(workspace=elsewhere, action="delete", selected=1)

    assert client.get(f"/contacts/bulk/{bulk_action.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_the_imports_queue_runs_it_and_the_page_polls_its_progress(
    client, workspace, background_above_three, start_queue_worker
):
    LeadFactory.create_batch(12, workspace=workspace, company_name="Globex")
    start_queue_worker("imports")

    response = client.post(URL, {"action": "delete", "scope": "matching", "q": "globex"})
    bulk_action = BulkAction.objects.for_workspace(workspace).get()
    assert response["Location"] == f"/contacts/bulk/{bulk_action.pk}/"
    partial = client.get(f"/contacts/bulk/{bulk_action.pk}/", headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section id="bulk-progress"')

    wait_for(
        lambda: BulkAction.objects.for_workspace(workspace).get(pk=bulk_action.pk).status == "done",
        timeout=60,
    )

    bulk_action.refresh_from_db()
    assert (bulk_action.outcome, bulk_action.processed) == (
        "Deleted 12 contacts; 0 active-lead slots freed.",
        12,
    )
    assert not Lead.objects.for_workspace(workspace).exists()
    assert "Deleted 12 contacts" in _status(client, bulk_action)
