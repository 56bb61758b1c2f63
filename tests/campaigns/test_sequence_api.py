"""A campaign's sequence through the API (rule 18): ordered steps whose variables are checked when saved,
and a preview of a step for one contact."""

import pytest

from campaigns.models import Step
from tests.factories import CampaignFactory, LeadFactory, add_step
from tests.unchanged import nothing_changes


@pytest.fixture
def campaign(workspace):
    return CampaignFactory(workspace=workspace, name="Spring")


def steps_url(campaign):
    return f"/api/v1/campaigns/{campaign.pk}/steps"


def step_url(campaign, step_id):
    return f"/api/v1/campaigns/{campaign.pk}/steps/{step_id}"


def listed(api_client, campaign):
    return [(step["subject"], step["position"]) for step in api_client.get(steps_url(campaign)).json()]


def test_steps_are_added_last_listed_in_order_changed_and_deleted(api_client, campaign):
    first = api_client.post(steps_url(campaign), {"subject": "Hello", "body": "Hi"}, format="json")
    second = api_client.post(steps_url(campaign), {"body": "Following up", "delay_days": 3}, format="json")

    assert first.status_code == second.status_code == 201
    assert set(first.json()) == {
        "id",
        "position",
        "delay_days",
        "subject",
        "body",
        "created_at",
        "updated_at",
    }
    assert (second.json()["position"], second.json()["delay_days"], second.json()["subject"]) == (2, 3, "")
    assert listed(api_client, campaign) == [("Hello", 1), ("", 2)]

    changed = api_client.patch(step_url(campaign, second.json()["id"]), {"delay_days": 5}, format="json")
    assert (changed.status_code, changed.json()["delay_days"], changed.json()["body"]) == (
        200,
        5,
        "Following up",
    )

    assert (
        api_client.delete(step_url(campaign, first.json()["id"])).status_code == 400
    )  # step 2 has no subject
    api_client.patch(step_url(campaign, second.json()["id"]), {"subject": "Still there?"}, format="json")
    assert api_client.delete(step_url(campaign, first.json()["id"])).status_code == 204
    assert listed(api_client, campaign) == [("Still there?", 1)]


def test_moving_a_step_renumbers_the_others_and_positions_stay_contiguous(api_client, campaign):
    ids = [add_step(campaign, subject=f"S{n}").pk for n in range(1, 5)]

    moved = api_client.patch(step_url(campaign, ids[3]), {"position": 1}, format="json")
    assert moved.status_code == 200
    assert listed(api_client, campaign) == [("S4", 1), ("S1", 2), ("S2", 3), ("S3", 4)]

    api_client.patch(step_url(campaign, ids[3]), {"position": 3}, format="json")
    assert listed(api_client, campaign) == [("S1", 1), ("S2", 2), ("S4", 3), ("S3", 4)]

    inserted = api_client.post(
        steps_url(campaign), {"subject": "New", "body": "x", "position": 2}, format="json"
    )
    assert inserted.json()["position"] == 2
    assert listed(api_client, campaign) == [("S1", 1), ("New", 2), ("S2", 3), ("S4", 4), ("S3", 5)]

    api_client.delete(step_url(campaign, ids[1]))
    assert listed(api_client, campaign) == [("S1", 1), ("New", 2), ("S4", 3), ("S3", 4)]


@pytest.mark.parametrize("position", [0, 3, 100])
def test_a_position_outside_the_sequence_is_400(api_client, campaign, position):
    step = add_step(campaign)
    add_step(campaign)

    with nothing_changes():
        response = api_client.patch(step_url(campaign, step.pk), {"position": position}, format="json")

    assert response.status_code == 400
    assert "position" in response.json()["error"]["details"]


def test_the_first_step_needs_a_subject_and_a_later_one_without_threads(api_client, campaign):
    with nothing_changes():
        refused = api_client.post(steps_url(campaign), {"subject": " ", "body": "Hi"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["details"] == {
        "subject": ["The first step needs a subject: a later step without one replies under it."]
    }

    add_step(campaign, subject="Hello")
    later = add_step(campaign, subject="")
    with nothing_changes():
        moved = api_client.patch(step_url(campaign, later.pk), {"position": 1}, format="json")
    assert moved.status_code == 400
    assert "subject" in moved.json()["error"]["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "Hello", "body": ""}, "body"),
        ({"subject": "Hello", "body": "   "}, "body"),
        ({"subject": "Hello"}, "body"),
        ({"subject": "x" * 256, "body": "Hi"}, "subject"),
        ({"subject": "Hello", "body": "Hi", "delay_days": 366}, "delay_days"),
        ({"subject": "Hello", "body": "Hi", "delay_days": -1}, "delay_days"),
        ({"subject": "Hello", "body": "Hi", "delay_days": "3"}, "delay_days"),
        ({"subject": "Hello", "body": "Hi", "sent": True}, "sent"),
    ],
)
def test_a_step_out_of_bounds_is_400_naming_the_field(api_client, campaign, body, field):
    with nothing_changes():
        response = api_client.post(steps_url(campaign), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


@pytest.mark.parametrize("field", ["subject", "body"])
def test_an_unknown_variable_is_400_naming_it(api_client, campaign, field):
    step = {"subject": "Hello", "body": "Hi", field: "Hi {{frist_name}} of {{ company_name | your team }}"}

    with nothing_changes():
        response = api_client.post(steps_url(campaign), step, format="json")

    assert response.status_code == 400
    (message,) = response.json()["error"]["details"][field]
    assert message.startswith("Unknown variable {{frist_name}}: use one of email, first_name,")
    assert message.endswith("unsubscribe_url, or a custom field name.")


@pytest.mark.parametrize(
    "text", ["Hi {{first_name}", "Hi {first_name}} there", "{{}}", "Hi {{first_name|{x}}}"]
)
def test_braces_that_make_no_variable_are_400(api_client, campaign, text):
    with nothing_changes():
        response = api_client.post(steps_url(campaign), {"subject": "Hello", "body": text}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"]["body"][0].startswith("Braces that do not make a variable")


def test_contact_message_and_custom_field_variables_are_known(
    api_client, workspace, other_workspace, campaign
):
    LeadFactory(workspace=workspace, custom_fields={"industry": "Retail", "plan": None})
    LeadFactory(workspace=other_workspace, custom_fields={"their_field": "x"})
    body = "{{first_name|there}} {{full_name}} {{industry|your field}} {{plan}} {{sender_name}} "

    known = api_client.post(steps_url(campaign), {"subject": "{{company_name}}", "body": body}, format="json")
    theirs = api_client.post(steps_url(campaign), {"body": "{{their_field}}"}, format="json")

    assert known.status_code == 201
    assert theirs.status_code == 400
    assert theirs.json()["error"]["details"]["body"][0].startswith("Unknown variable {{their_field}}")


def test_a_custom_field_an_import_mapped_is_known_before_any_contact_has_it(api_client, workspace, campaign):
    from campaigns.models import ImportJob

    ImportJob.objects.create(
        workspace=workspace,
        file="x.csv",
        filename="x.csv",
        file_size=1,
        encoding="utf-8",
        delimiter=",",
        mapping={"Email": "email", "Plan": "custom_fields.plan"},
    )

    response = api_client.post(steps_url(campaign), {"subject": "Hi", "body": "On {{plan}}?"}, format="json")

    assert response.status_code == 201


def test_a_step_of_another_campaign_is_404(api_client, workspace, campaign):
    other = add_step(CampaignFactory(workspace=workspace))

    assert api_client.patch(step_url(campaign, other.pk), {"subject": "x"}, format="json").status_code == 404
    assert api_client.delete(step_url(campaign, other.pk)).status_code == 404
    assert Step.objects.for_workspace(workspace).filter(pk=other.pk).exists()


# The preview


def preview(api_client, campaign, lead, step):
    return api_client.get(f"/api/v1/campaigns/{campaign.pk}/preview", {"lead": lead.pk, "step": step})


def test_the_preview_renders_a_step_for_a_contact_with_fallbacks_and_threads_later_subjects(
    api_client, workspace, campaign, settings
):
    settings.SITE_URL = "https://app.example.com"
    ada = LeadFactory(
        workspace=workspace, first_name="Ada", company_name="Acme", custom_fields={"industry": "Retail"}
    )
    nameless = LeadFactory(workspace=workspace, first_name="", company_name="", custom_fields={})
    add_step(
        campaign, subject="Idea for {{company_name|your team}}", body="Hi {{first_name|there}} ({{industry}})"
    )
    add_step(campaign, subject="", body="Bye {{ first_name | friend }}. {{unsubscribe_url}} {{sender_email}}")

    assert preview(api_client, campaign, ada, 1).json() == {
        "subject": "Idea for Acme",
        "body": "Hi Ada (Retail)",
    }
    assert preview(api_client, campaign, nameless, 1).json() == {
        "subject": "Idea for your team",
        "body": "Hi there ()",
    }
    assert preview(api_client, campaign, nameless, 2).json() == {
        "subject": "Re: Idea for your team",
        "body": "Bye friend. https://app.example.com/u/example-token ",
    }


def test_the_preview_of_another_workspaces_contact_or_a_missing_step_is_404(
    api_client, workspace, other_workspace, campaign
):
    add_step(campaign)
    theirs = LeadFactory(workspace=other_workspace)
    mine = LeadFactory(workspace=workspace)

    assert preview(api_client, campaign, theirs, 1).status_code == 404
    assert preview(api_client, campaign, mine, 2).status_code == 404
    assert preview(api_client, campaign, mine, 1).status_code == 200
    malformed = api_client.get(f"/api/v1/campaigns/{campaign.pk}/preview", {"lead": mine.pk, "step": "first"})
    assert malformed.status_code == 400
