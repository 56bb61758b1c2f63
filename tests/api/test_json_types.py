"""A JSON body's values must have their field's JSON type (rule 17): a number where text is wanted, text
where a number or true/false is wanted, is a 400 naming the field, and nothing is written. DRF alone
would have taken 5 for "5" and "yes" for true."""

import pytest

from campaigns.models import Campaign
from leads.models import Lead
from tests.factories import CampaignFactory, LeadFactory
from tests.unchanged import nothing_changes


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": 5}, "name", "Must be text."),
        ({"name": ["Q4"]}, "name", "Must be text."),
    ],
)
def test_a_campaign_name_that_is_not_text_is_refused(api_client, workspace, body, field, message):
    with nothing_changes():
        response = api_client.post("/api/v1/campaigns", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {field: [message]}
    assert not Campaign.objects.for_workspace(workspace).exists()


def test_contact_fields_must_be_text(api_client, workspace):
    with nothing_changes():
        response = api_client.post(
            "/api/v1/leads", {"email": "ann@example.com", "first_name": 12}, format="json"
        )

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"first_name": ["Must be text."]}
    assert not Lead.objects.for_workspace(workspace).exists()


@pytest.mark.parametrize(
    ("extra", "details"),
    [
        ({"lead_ids": ["1"]}, {"lead_ids": ["Item 0: must be a whole number."]}),
        ({"lead_ids": [True]}, {"lead_ids": ["Item 0: must be a whole number."]}),
        ({"allow_partial": "yes"}, {"allow_partial": ["Must be true or false."]}),
        ({"allow_partial": 1}, {"allow_partial": ["Must be true or false."]}),
    ],
)
def test_enrolment_ids_and_switches_must_have_their_json_types(api_client, workspace, extra, details):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)
    body = {"lead_ids": [lead.pk], **extra}

    with nothing_changes():
        response = api_client.post(f"/api/v1/campaigns/{campaign.pk}/leads", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == details
    assert not campaign.enrollments.exists()


def test_values_of_their_type_and_nulls_where_allowed_pass(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)

    created = api_client.post(
        "/api/v1/leads", {"email": "bob@example.com", "first_name": None, "city": "Austin"}, format="json"
    )
    added = api_client.post(
        f"/api/v1/campaigns/{campaign.pk}/leads",
        {"lead_ids": [lead.pk], "allow_partial": True},
        format="json",
    )

    assert (created.status_code, added.status_code) == (201, 200)
