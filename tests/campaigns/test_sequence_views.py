"""The Sequence and Schedule pages of a campaign, and what the campaign page says about sending."""

import pytest
from django.test import Client
from django.urls import reverse

from campaigns import extensions, services
from campaigns.models import Campaign, Step
from tests.factories import CampaignFactory, LeadFactory, add_step, enroll, owner_of
from tests.unchanged import nothing_changes


@pytest.fixture
def client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


@pytest.fixture
def campaign(workspace):
    return CampaignFactory(workspace=workspace, name="Spring")


def steps(workspace, campaign):
    return list(
        Step.objects.for_workspace(workspace).filter(campaign=campaign).values_list("subject", "position")
    )


def test_the_campaign_page_links_its_sequence_and_schedule(client, campaign):
    response = client.get(reverse("campaign_detail", args=[campaign.pk]))

    assert reverse("campaign_sequence", args=[campaign.pk]) in response.text
    assert reverse("campaign_schedule", args=[campaign.pk]) in response.text


def test_adding_editing_moving_and_deleting_steps_from_the_sequence_page(client, workspace, campaign):
    page = reverse("campaign_sequence", args=[campaign.pk])

    added = client.post(
        page, {"subject": "Hello {{first_name|there}}", "body": "Hi", "delay_days": 0}, follow=True
    )
    client.post(page, {"subject": "", "body": "Bump", "delay_days": 3})
    first, second = Step.objects.for_workspace(workspace).filter(campaign=campaign).order_by("position")

    assert "Step 1 is added." in added.text
    assert "Hello {{first_name|there}}" in added.text
    assert steps(workspace, campaign) == [("Hello {{first_name|there}}", 1), ("", 2)]

    edit = reverse("campaign_step", args=[campaign.pk, second.pk])
    assert 'value="3"' in client.get(edit).text
    client.post(edit, {"subject": "Second", "body": "Bump", "delay_days": 2})
    client.post(reverse("campaign_step_move", args=[campaign.pk, second.pk]), {"direction": "up"})
    assert steps(workspace, campaign) == [("Second", 1), ("Hello {{first_name|there}}", 2)]

    deleted = client.post(reverse("campaign_step_delete", args=[campaign.pk, first.pk]), follow=True)
    assert "Step 2 is deleted." in deleted.text
    assert steps(workspace, campaign) == [("Second", 1)]


def test_a_step_with_an_unknown_variable_is_refused_on_the_page_naming_it(client, workspace, campaign):
    with nothing_changes():
        response = client.post(
            reverse("campaign_sequence", args=[campaign.pk]),
            {"subject": "Hi", "body": "{{frist_name}}", "delay_days": 0},
        )

    assert response.status_code == 200
    assert "Unknown variable {{frist_name}}" in response.text


def test_moving_the_first_step_up_says_it_cannot(client, campaign):
    step = add_step(campaign)

    response = client.post(
        reverse("campaign_step_move", args=[campaign.pk, step.pk]), {"direction": "up"}, follow=True
    )

    assert "Between 1 and 1." in response.text


def test_the_sequence_page_lists_the_variables_and_previews_a_step_for_a_contact(client, workspace, campaign):
    ada = LeadFactory(
        workspace=workspace, email="ada@example.com", first_name="Ada", custom_fields={"plan": "Pro"}
    )
    enroll(campaign, [ada])
    add_step(campaign, subject="Hi {{first_name|there}}", body="On {{plan|a plan}}?")
    add_step(campaign, subject="", body="Bump")
    page = reverse("campaign_sequence", args=[campaign.pk])

    listed = client.get(page)
    first = client.get(page, {"lead": ada.pk, "step": 1})
    second = client.get(page, {"lead": ada.pk, "step": 2})

    assert "<code>first_name</code>" in listed.text and "<code>unsubscribe_url</code>" in listed.text
    assert "<code>plan</code>" in listed.text
    assert 'data-testid="preview"' not in listed.text
    assert first.context["preview"] == {"subject": "Hi Ada", "body": "On Pro?"}
    assert second.context["preview"] == {"subject": "Re: Hi Ada", "body": "Bump"}


def test_a_preview_is_only_for_a_contact_of_the_campaign(client, workspace, other_workspace, campaign):
    add_step(campaign)
    outsider = LeadFactory(workspace=workspace)
    theirs = LeadFactory(workspace=other_workspace)
    page = reverse("campaign_sequence", args=[campaign.pk])

    assert client.get(page, {"lead": outsider.pk, "step": 1}).context["preview"] is None
    assert client.get(page, {"lead": theirs.pk, "step": 1}).context["preview"] is None


def test_the_schedule_page_saves_the_window_and_stop_on_reply(client, workspace, campaign):
    page = reverse("campaign_schedule", args=[campaign.pk])
    assert 'value="09:00"' in client.get(page).text

    saved = client.post(
        page, {"timezone": "America/New_York", "days": [6, 7], "start": "10:00", "end": "12:30"}, follow=True
    )

    stored = Campaign.objects.for_workspace(workspace).get(pk=campaign.pk)
    assert "schedule is saved" in saved.text
    assert (stored.schedule_timezone, stored.schedule_days, stored.stop_on_reply) == (
        "America/New_York",
        [6, 7],
        False,
    )
    assert (str(stored.schedule_start), str(stored.schedule_end)) == ("10:00:00", "12:30:00")


@pytest.mark.parametrize(
    "form",
    [
        {"timezone": "Mars/Olympus", "days": [1], "start": "09:00", "end": "17:00"},
        {"timezone": "UTC", "days": [], "start": "09:00", "end": "17:00"},
        {"timezone": "UTC", "days": [8], "start": "09:00", "end": "17:00"},
        {"timezone": "UTC", "days": [1], "start": "17:00", "end": "09:00"},
    ],
)
def test_a_schedule_out_of_bounds_is_refused_on_the_page(client, campaign, form):
    with nothing_changes():
        response = client.post(reverse("campaign_schedule", args=[campaign.pk]), form)

    assert response.status_code == 200
    assert "field-error" in response.text or "form-error" in response.text


def test_the_start_button_says_why_the_campaign_cannot_start(client, workspace, campaign, monkeypatch):
    monkeypatch.setattr(
        extensions, "_start_checks", [lambda *, workspace, campaign: "Connect an active mailbox first."]
    )
    detail = client.get(reverse("campaign_detail", args=[campaign.pk]))
    assert 'data-testid="start-campaign"' in detail.text

    with nothing_changes():
        refused = client.post(
            reverse("campaign_status", args=[campaign.pk]), {"status": "active"}, follow=True
        )

    assert (
        "Spring cannot start: Add a step to the sequence before starting the campaign. "
        "Connect an active mailbox first." in refused.text
    )
    assert Campaign.objects.for_workspace(workspace).get(pk=campaign.pk).status == "draft"


def test_the_campaign_page_shows_each_leads_enrollment_status_and_next_send(client, workspace):
    campaign = CampaignFactory(workspace=workspace, status="active")
    sent, replied = LeadFactory(workspace=workspace), LeadFactory(workspace=workspace)
    enroll(campaign, [sent, replied])
    services.enrollments_finish(
        workspace=workspace, lead_ids=[replied.pk], status="replied", campaign=campaign
    )

    response = client.get(reverse("campaign_detail", args=[campaign.pk]))

    statuses = [enrollment.status for _, enrollment in response.context["rows"]]
    assert sorted(statuses) == ["active", "replied"]
    assert 'class="badge replied"' in response.text
    assert response.text.count('data-testid="next-send"') == 1
    assert 'data-testid="start-campaign"' not in response.text
