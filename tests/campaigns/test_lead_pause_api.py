"""Pausing and resuming one lead of a campaign: ``PATCH /api/v1/campaigns/{id}/leads/{lead_id}`` and the
Pause / Resume buttons of the campaign page (rule 22: both statuses are live, so no slot moves)."""

import html

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Quota
from campaigns import services
from campaigns.models import Enrollment
from tests.factories import CampaignFactory, LeadFactory, enroll, owner_of
from tests.unchanged import nothing_changes

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(workspace):
    return CampaignFactory(workspace=workspace, name="Spring")


@pytest.fixture
def lead(workspace, campaign):
    lead = LeadFactory(workspace=workspace, email="ada@example.com")
    enroll(campaign, [lead])
    return lead


def url(campaign, lead_id):
    return f"/api/v1/campaigns/{campaign.pk}/leads/{lead_id}"


def enrollment_of(campaign, lead):
    return Enrollment.objects.for_workspace(campaign.workspace).get(campaign=campaign, lead=lead)


def used(workspace):
    return Quota.objects.for_workspace(workspace).get().active_leads_used


def test_get_shows_the_lead_with_its_place_in_the_sequence(api_client, campaign, lead):
    answer = api_client.get(url(campaign, lead.pk)).json()

    assert (answer["id"], answer["email"]) == (lead.pk, "ada@example.com")
    assert answer["enrollment"]["status"] == "active"
    assert answer["enrollment"]["finished_at"] is None


def test_pause_then_resume(api_client, workspace, campaign, lead):
    Enrollment.objects.for_workspace(workspace).filter(lead=lead).update(attempts=3)

    paused = api_client.patch(url(campaign, lead.pk), {"status": "paused"}, format="json")
    assert paused.status_code == 200
    assert paused.json()["enrollment"]["status"] == "paused"
    assert paused.json()["enrollment"]["next_send_at"] is None
    assert used(workspace) == 1

    before = timezone.now()
    resumed = api_client.patch(url(campaign, lead.pk), {"status": "active"}, format="json")
    assert resumed.status_code == 200
    assert resumed.json()["enrollment"]["status"] == "active"
    enrollment = enrollment_of(campaign, lead)
    assert (enrollment.status, enrollment.attempts) == ("active", 0)
    assert enrollment.next_send_at >= before
    assert used(workspace) == 1


def test_asking_for_the_status_it_has_changes_nothing(api_client, campaign, lead):
    with nothing_changes():
        response = api_client.patch(url(campaign, lead.pk), {"status": "active"}, format="json")

    assert response.status_code == 200


@pytest.mark.parametrize("status", ["active", "paused"])
def test_a_finished_sequence_is_409_and_changes_nothing(api_client, workspace, campaign, lead, status):
    services.enrollments_finish(workspace=workspace, lead_ids=[lead.pk], status="replied")

    with nothing_changes():
        response = api_client.patch(url(campaign, lead.pk), {"status": status}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert "is over (replied)" in error["message"]
    assert error["details"] == {"status": "replied"}


@pytest.mark.parametrize(
    "body",
    [{"status": "replied"}, {"status": "ACTIVE"}, {"status": True}, {}, {"status": "paused", "step": 2}],
)
def test_bad_input_is_400_and_changes_nothing(api_client, campaign, lead, body):
    with nothing_changes():
        response = api_client.patch(url(campaign, lead.pk), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_a_contact_not_in_the_campaign_is_404(api_client, workspace, campaign, lead):
    outsider = LeadFactory(workspace=workspace)
    other_campaign = CampaignFactory(workspace=workspace)

    for path in (url(campaign, outsider.pk), url(other_campaign, lead.pk), url(campaign, 10**12)):
        assert api_client.get(path).status_code == 404
        with nothing_changes():
            response = api_client.patch(path, {"status": "paused"}, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_another_workspaces_campaign_or_lead_is_404(other_api_client, campaign, lead, other_workspace):
    their_campaign = CampaignFactory(workspace=other_workspace)
    their_lead = LeadFactory(workspace=other_workspace)
    enroll(their_campaign, [their_lead])

    for path in (url(campaign, lead.pk), url(their_campaign, lead.pk), url(campaign, their_lead.pk)):
        with nothing_changes():
            response = other_api_client.patch(path, {"status": "paused"}, format="json")
        assert response.status_code == 404
        assert other_api_client.get(path).status_code == 404
    assert enrollment_of(campaign, lead).status == "active"


def test_a_member_key_pauses_and_resumes(member_api_client, campaign, lead):
    response = member_api_client.patch(url(campaign, lead.pk), {"status": "paused"}, format="json")

    assert response.status_code == 200


# The campaign page


@pytest.fixture
def browser(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def page(browser, campaign):
    response = browser.get(f"/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_campaign_page_pauses_and_resumes_a_lead(browser, workspace, campaign, lead):
    finished = LeadFactory(workspace=workspace)
    enroll(campaign, [finished])
    services.enrollments_finish(workspace=workspace, lead_ids=[finished.pk], status="completed")
    text = page(browser, campaign)
    assert text.count('data-testid="pause-lead"') == 1  # not on the finished lead's row
    assert f'formaction="/campaigns/{campaign.pk}/leads/{lead.pk}/status/"' in text
    assert 'data-testid="resume-lead"' not in text

    response = browser.post(
        f"/campaigns/{campaign.pk}/leads/{lead.pk}/status/", {"status": "paused"}, follow=True
    )
    text = html.unescape(response.content.decode())
    assert "ada@example.com is paused: nothing more is sent until you resume it." in text
    assert enrollment_of(campaign, lead).status == "paused"
    assert 'data-testid="resume-lead"' in text

    browser.post(f"/campaigns/{campaign.pk}/leads/{lead.pk}/status/", {"status": "active"})
    assert enrollment_of(campaign, lead).status == "active"


def test_the_page_says_why_a_finished_lead_cannot_be_resumed(browser, workspace, campaign, lead):
    services.enrollments_finish(workspace=workspace, lead_ids=[lead.pk], status="bounced")

    response = browser.post(
        f"/campaigns/{campaign.pk}/leads/{lead.pk}/status/", {"status": "active"}, follow=True
    )

    assert "is over (bounced): it cannot be paused or resumed." in html.unescape(response.content.decode())
    assert enrollment_of(campaign, lead).status == "bounced"
