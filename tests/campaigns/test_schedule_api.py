"""A campaign's sending settings through the API (rule 18): its schedule, stop_on_reply, the fields apps
above campaigns register (campaigns.extensions), and the checks that hold a campaign back from starting."""

import pytest
from rest_framework import serializers

from campaigns import extensions, services
from campaigns.models import Campaign, Enrollment
from core.errors import DomainError
from sending.models import Mailbox
from tests.factories import CampaignFactory, LeadFactory, add_step, enroll, give_a_mailbox
from tests.unchanged import nothing_changes


def url(campaign):
    return f"/api/v1/campaigns/{campaign.pk}"


@pytest.fixture
def campaign(workspace):
    return CampaignFactory(workspace=workspace, name="Spring")


def test_a_new_campaign_sends_on_weekdays_nine_to_five_utc_and_stops_on_reply(api_client, campaign):
    body = api_client.get(url(campaign)).json()

    assert body["schedule"] == {"timezone": "UTC", "days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}
    assert body["stop_on_reply"] is True


def test_patching_the_schedule_changes_what_is_sent_and_keeps_the_rest(api_client, workspace, campaign):
    changed = api_client.patch(
        url(campaign),
        {
            "schedule": {"timezone": "Europe/Berlin", "days": [6, 1, 1], "end": "18:30"},
            "stop_on_reply": False,
        },
        format="json",
    )

    assert changed.status_code == 200
    assert changed.json()["schedule"] == {
        "timezone": "Europe/Berlin",
        "days": [1, 6],
        "start": "09:00",
        "end": "18:30",
    }
    assert changed.json()["stop_on_reply"] is False
    assert api_client.get(url(campaign)).json() == changed.json()
    stored = Campaign.objects.for_workspace(workspace).get(pk=campaign.pk)
    assert (stored.schedule_timezone, stored.schedule_days, str(stored.schedule_end)) == (
        "Europe/Berlin",
        [1, 6],
        "18:30:00",
    )


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"days": []}, "days"),
        ({"days": [0]}, "days"),
        ({"days": [8]}, "days"),
        ({"days": ["monday"]}, "days"),
        ({"start": "17:00"}, "end"),
        ({"start": "10:00", "end": "09:59"}, "end"),
        ({"start": "25:00"}, "start"),
        ({"start": "9am"}, "start"),
        ({"lunch": "12:00"}, "lunch"),
    ],
)
def test_a_schedule_out_of_bounds_is_400_naming_the_field_and_changes_nothing(
    api_client, campaign, schedule, field
):
    with nothing_changes():
        response = api_client.patch(url(campaign), {"schedule": schedule, "name": "Renamed"}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["schedule"]


# Starting


def test_starting_a_campaign_without_a_step_is_409_saying_so(api_client, campaign):
    give_a_mailbox(campaign)
    with nothing_changes():
        response = api_client.patch(url(campaign), {"status": "active"}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"] == "Add a step to the sequence before starting the campaign."
    assert error["details"] == {"reasons": ["Add a step to the sequence before starting the campaign."]}


def test_a_campaign_with_a_step_starts_and_other_statuses_need_none(api_client, workspace, campaign):
    assert api_client.patch(url(campaign), {"status": "paused"}, format="json").status_code == 200

    add_step(campaign)
    give_a_mailbox(campaign)
    started = api_client.patch(url(campaign), {"status": "active"}, format="json")

    assert (started.status_code, started.json()["status"]) == (200, "active")


@pytest.fixture
def no_mailbox_check(monkeypatch):
    """A start check as the sending app registers one, for this test only."""

    def check(*, workspace, campaign):
        return "" if campaign.name.startswith("Ready") else "Connect an active mailbox first."

    # In place of the sending app's own check (its tests hold it to its rule): the wiring is what is tested.
    monkeypatch.setattr(extensions, "_start_checks", [check])


def test_a_failing_start_check_is_409_and_lists_every_reason(api_client, campaign, no_mailbox_check):
    with nothing_changes():
        both = api_client.patch(url(campaign), {"status": "active"}, format="json")
    add_step(campaign)
    with nothing_changes():
        one = api_client.patch(url(campaign), {"status": "active"}, format="json")
    ready = api_client.patch(url(campaign), {"status": "active", "name": "Ready now"}, format="json")

    assert both.status_code == 409
    assert both.json()["error"]["details"]["reasons"] == [
        "Add a step to the sequence before starting the campaign.",
        "Connect an active mailbox first.",
    ]
    assert both.json()["error"]["message"].startswith("Spring cannot start: Add a step")
    assert one.status_code == 409
    assert one.json()["error"]["message"] == "Connect an active mailbox first."
    assert ready.status_code == 200


def test_the_service_the_dashboard_uses_refuses_the_same_way(workspace, campaign, no_mailbox_check):
    add_step(campaign)

    with pytest.raises(DomainError) as refusal:
        services.campaign_set_status(workspace=workspace, campaign=campaign, status="active")

    assert refusal.value.status_code == 409
    assert refusal.value.details == {"reasons": ["Connect an active mailbox first."]}


# Registered fields


@pytest.fixture
def mailboxes_field(monkeypatch):
    """A "mailboxes" field registered as the sending app does, kept in a dict for this test only."""
    chosen = {}

    def write(*, workspace, campaign, value):
        if any(mailbox_id < 0 for mailbox_id in value):
            raise DomainError("No such mailbox.", details={"mailboxes": ["No such mailbox."]})
        chosen[campaign.pk] = value
        Campaign.objects.for_workspace(workspace).filter(pk=campaign.pk).update(name="Written")

    monkeypatch.setitem(
        extensions._fields,
        "mailboxes",
        extensions.CampaignField(
            field=lambda: serializers.ListField(child=serializers.IntegerField(), help_text="Mailbox ids."),
            read=lambda campaign: chosen.get(campaign.pk, []),
            write=write,
        ),
    )
    return chosen


def test_a_registered_field_is_read_in_answers_and_written_by_patch(api_client, campaign, mailboxes_field):
    assert api_client.get(url(campaign)).json()["mailboxes"] == []

    changed = api_client.patch(url(campaign), {"mailboxes": [7, 9]}, format="json")

    assert changed.status_code == 200
    assert changed.json()["mailboxes"] == [7, 9]
    assert api_client.get(url(campaign)).json()["mailboxes"] == [7, 9]
    assert api_client.patch(url(campaign), {"mailboxes": ["x"]}, format="json").status_code == 400


def test_a_registered_field_is_written_in_the_updates_transaction(
    api_client, workspace, campaign, mailboxes_field
):
    refused = api_client.patch(url(campaign), {"mailboxes": [1], "status": "active"}, format="json")

    assert refused.status_code == 409
    assert Campaign.objects.for_workspace(workspace).get(pk=campaign.pk).name == "Spring"


def test_the_preview_signs_with_the_campaigns_first_mailbox(api_client, workspace, campaign, mailboxes_field):
    mailbox = Mailbox.objects.create(
        workspace=workspace, email="ada@acme.example", from_name="Ada Lovelace", smtp_host="smtp.acme.example"
    )
    mailboxes_field[campaign.pk] = [mailbox.pk]
    add_step(campaign, subject="Hi", body="{{sender_name}} <{{sender_email}}>")
    lead = LeadFactory(workspace=workspace)

    response = api_client.get(f"{url(campaign)}/preview", {"lead": lead.pk, "step": 1})

    assert response.json()["body"] == "Ada Lovelace <ada@acme.example>"


# Where each lead is in the sequence


def test_each_lead_shows_its_enrollment_and_the_list_filters_by_its_status(api_client, workspace, campaign):
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(campaign, leads)
    services.enrollments_finish(
        workspace=workspace, lead_ids=[leads[1].pk], status="replied", campaign=campaign
    )
    Enrollment.objects.for_workspace(workspace).filter(lead=leads[2]).update(step=1)

    listed = api_client.get(f"{url(campaign)}/leads").json()["results"]
    replied = api_client.get(f"{url(campaign)}/leads", {"status": "replied"}).json()["results"]
    paused = api_client.get(f"{url(campaign)}/leads", {"status": "paused"}).json()["results"]

    by_id = {item["id"]: item["enrollment"] for item in listed}
    assert set(by_id[leads[0].pk]) == {
        "status",
        "step",
        "mailbox",
        "next_send_at",
        "last_sent_at",
        "finished_at",
    }
    assert (by_id[leads[0].pk]["status"], by_id[leads[0].pk]["step"], by_id[leads[0].pk]["mailbox"]) == (
        "active",
        0,
        None,
    )
    assert by_id[leads[0].pk]["next_send_at"] is not None
    assert (by_id[leads[1].pk]["status"], by_id[leads[1].pk]["next_send_at"]) == ("replied", None)
    assert by_id[leads[1].pk]["finished_at"] is not None and by_id[leads[0].pk]["finished_at"] is None
    assert by_id[leads[2].pk]["step"] == 1
    assert [item["id"] for item in replied] == [leads[1].pk]
    assert paused == []


@pytest.mark.parametrize("status", ["sending", "", "ACTIVE"])
def test_an_unknown_enrollment_status_filter_is_400(api_client, campaign, status):
    response = api_client.get(f"{url(campaign)}/leads", {"status": status})

    assert response.status_code == 400
    assert "status" in response.json()["error"]["details"]
