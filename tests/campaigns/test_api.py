"""/api/v1/campaigns and a campaign's leads (API.md)."""

import pytest

from campaigns.extensions import campaign_fields
from campaigns.models import Campaign, Enrollment
from leads.models import Lead
from tests.conftest import api_client_for
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, enroll
from tests.unchanged import nothing_changes

RESULT_KEYS = {
    "added",
    "already_in_campaign",
    "invalid",
    "not_added_over_limit",
    "added_lead_ids",
    "already_in_campaign_lead_ids",
    "invalid_items",
    "not_added_lead_ids",
    "suppressed",
    "suppressed_lead_ids",
    "warnings",
    "usage",
}


def new_leads(count, prefix="new"):
    return [{"email": f"{prefix}{number}@example.com"} for number in range(count)]


def add(client, campaign, **body):
    return client.post(f"/api/v1/campaigns/{campaign.pk}/leads", body, format="json")


def active_leads(client):
    return client.get("/api/v1/usage").json()["active_leads"]


def test_creating_listing_and_reading_campaigns(member_api_client, workspace, other_workspace):
    CampaignFactory(workspace=other_workspace)

    created = member_api_client.post("/api/v1/campaigns", {"name": "  Spring launch "}, format="json")
    listed = member_api_client.get("/api/v1/campaigns").json()

    assert created.status_code == 201
    body = created.json()
    own = {"id", "name", "status", "lead_count", "schedule", "stop_on_reply", "created_at"}
    assert set(body) == own | set(campaign_fields())
    assert (body["name"], body["status"], body["lead_count"]) == ("Spring launch", "draft", 0)
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert member_api_client.get(f"/api/v1/campaigns/{body['id']}").json() == body


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x", "status": "active"}, {"name": ["Spring"]}])
def test_a_campaign_needs_a_name_and_nothing_else(api_client, workspace, body):
    with nothing_changes():
        response = api_client.post("/api/v1/campaigns", body, format="json")

    assert response.status_code == 400
    assert Campaign.objects.for_workspace(workspace).count() == 0


def test_renaming_and_changing_status(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)

    renamed = api_client.patch(f"/api/v1/campaigns/{campaign.pk}", {"name": "Autumn"}, format="json")
    paused = api_client.patch(f"/api/v1/campaigns/{campaign.pk}", {"status": "paused"}, format="json")

    assert renamed.json()["name"] == "Autumn"
    assert (paused.json()["name"], paused.json()["status"]) == ("Autumn", "paused")


@pytest.mark.parametrize("body", [{}, {"status": "deleted"}, {"lead_count": 0}])
def test_a_bad_patch_is_400(api_client, workspace, body):
    campaign = CampaignFactory(workspace=workspace)

    with nothing_changes():
        response = api_client.patch(f"/api/v1/campaigns/{campaign.pk}", body, format="json")

    assert response.status_code == 400


def test_a_patch_whose_name_is_refused_changes_no_status_either(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace, name="Spring")
    add(api_client, campaign, leads=new_leads(3, "n"))

    with nothing_changes():
        response = api_client.patch(
            f"/api/v1/campaigns/{campaign.pk}", {"status": "archived", "name": "\x01"}, format="json"
        )

    assert response.status_code == 400
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status) == ("Spring", "draft")
    assert active_leads(api_client)["used"] == 3


def test_archiving_frees_slots_and_unarchiving_that_does_not_fit_is_402(api_client, workspace):
    campaign, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    add(api_client, campaign, leads=new_leads(200, "a"))

    archived = api_client.patch(f"/api/v1/campaigns/{campaign.pk}", {"status": "archived"}, format="json")
    assert archived.json()["status"] == "archived"
    assert active_leads(api_client)["used"] == 0
    add(api_client, other, leads=new_leads(100, "b"))

    with nothing_changes():
        refused = api_client.patch(
            f"/api/v1/campaigns/{campaign.pk}", {"status": "active", "name": "Back"}, format="json"
        )

    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "active_leads_limit_reached"
    assert refused.json()["error"]["details"] == {"requested": 200, "available": 150, "limit": 250}
    campaign = Campaign.objects.for_workspace(workspace).get(pk=campaign.pk)
    assert campaign.status == "archived"
    assert campaign.name != "Back"


def test_deleting_a_campaign_frees_its_slots(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    add(api_client, campaign, leads=new_leads(3))

    assert api_client.delete(f"/api/v1/campaigns/{campaign.pk}").status_code == 204
    assert active_leads(api_client)["used"] == 0
    assert Lead.objects.for_workspace(workspace).count() == 3


def test_adding_contacts_answers_every_bucket_and_the_usage(api_client, workspace, other_workspace):
    campaign = CampaignFactory(workspace=workspace)
    inside, outside = LeadFactory.create_batch(2, workspace=workspace)
    enroll(campaign, [inside])
    theirs = LeadFactory(workspace=other_workspace)

    response = add(
        api_client,
        campaign,
        lead_ids=[inside.pk, outside.pk, theirs.pk],
        leads=[{"email": "new@example.com", "custom_fields": {"source": "webinar"}}, {"email": "bad"}],
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == RESULT_KEYS
    new = Lead.objects.for_workspace(workspace).get(email="new@example.com")
    assert (body["added"], body["already_in_campaign"], body["invalid"], body["not_added_over_limit"]) == (
        2,
        1,
        2,
        0,
    )
    assert body["added_lead_ids"] == [outside.pk, new.pk]
    assert body["already_in_campaign_lead_ids"] == [inside.pk]
    assert body["invalid_items"][0] == {
        "field": "lead_ids",
        "index": 2,
        "lead_id": theirs.pk,
        "reason": "No lead with this id.",
    }
    assert body["invalid_items"][1]["field"] == "leads"
    assert body["invalid_items"][1]["email"] == "bad"
    assert body["not_added_lead_ids"] == []
    assert body["usage"]["active_leads"] == {"limit": 250, "used": 3, "available": 247}
    assert set(body["usage"]) == {"active_leads", "lead_credits"}
    assert new.custom_fields == {"source": "webinar"}
    assert Campaign.objects.for_workspace(workspace).get(pk=campaign.pk).lead_count == 3


def test_adding_what_does_not_fit_is_402_with_the_numbers_and_changes_nothing(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    add(api_client, campaign, leads=new_leads(245, "first"))

    with nothing_changes():
        response = add(api_client, campaign, leads=new_leads(10, "second"))

    assert response.status_code == 402
    error = response.json()["error"]
    assert error["code"] == "active_leads_limit_reached"
    assert error["details"] == {"requested": 10, "available": 5, "limit": 250}
    assert "5 of 250" in error["message"]
    assert Lead.objects.for_workspace(workspace).count() == 245
    assert active_leads(api_client)["used"] == 245


def test_with_allow_partial_the_part_that_fits_is_added_and_the_rest_reported(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    add(api_client, campaign, leads=new_leads(245, "first"))

    body = add(api_client, campaign, leads=new_leads(10, "second"), allow_partial=True).json()

    kept = Lead.objects.for_workspace(workspace).filter(pk__in=body["not_added_lead_ids"])
    assert (body["added"], body["not_added_over_limit"]) == (5, 5)
    assert sorted(kept.values_list("email", flat=True)) == [f"second{n}@example.com" for n in range(5, 10)]
    assert body["usage"]["active_leads"] == {"limit": 250, "used": 250, "available": 0}


def test_the_worked_example_over_two_calls_of_the_api(db):
    growth = WorkspaceFactory(plan_code="growth")
    client = api_client_for(growth)
    campaign = CampaignFactory(workspace=growth)
    add(client, campaign, leads=new_leads(1_000, "a"))

    refused = add(client, campaign, leads=new_leads(500, "b"))
    partial = add(client, campaign, leads=new_leads(500, "b"), allow_partial=True).json()

    assert refused.json()["error"]["details"] == {"requested": 500, "available": 200, "limit": 1_200}
    assert (partial["added"], partial["not_added_over_limit"]) == (200, 300)
    assert partial["usage"]["active_leads"]["used"] == 1_200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lead_ids": list(range(1, 602)), "leads": new_leads(400)}, "non_field_errors"),
        ({"lead_ids": list(range(1, 1_002))}, "lead_ids"),
        ({}, "non_field_errors"),
        ({"lead_ids": ["one"]}, "lead_ids"),
        ({"leads": [{"email": "a@example.com", "score": 5}]}, "leads"),
        ({"lead_ids": [1], "allow_partial": "maybe"}, "allow_partial"),
        ({"lead_ids": [1], "tags": ["vip"]}, "tags"),
    ],
)
def test_malformed_additions_are_400_and_change_nothing(api_client, workspace, body, field):
    campaign = CampaignFactory(workspace=workspace)

    with nothing_changes():
        response = add(api_client, campaign, **body)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert Lead.objects.for_workspace(workspace).count() == 0


def test_an_archived_campaign_takes_no_contacts(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace, status="archived")

    with nothing_changes():
        response = add(api_client, campaign, leads=new_leads(1))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_a_retried_addition_with_the_same_idempotency_key_is_replayed_not_repeated(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    url = f"/api/v1/campaigns/{campaign.pk}/leads"
    body = {"leads": new_leads(3)}

    first = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="add-3")
    enroll_count = Enrollment.objects.for_workspace(workspace).count()
    second = api_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="add-3")

    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Enrollment.objects.for_workspace(workspace).count() == enroll_count == 3


def test_listing_a_campaigns_contacts(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(campaign, leads[:2])

    body = api_client.get(f"/api/v1/campaigns/{campaign.pk}/leads").json()

    assert [row["id"] for row in body["results"]] == [leads[1].pk, leads[0].pk]
    assert body["results"][0]["campaign_ids"] == [campaign.pk]


def test_removing_contacts_answers_how_many_and_the_usage(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(campaign, leads)

    response = api_client.post(
        f"/api/v1/campaigns/{campaign.pk}/leads/remove",
        {"lead_ids": [leads[0].pk, leads[1].pk, 10**9]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["removed"] == 2
    assert response.json()["usage"]["active_leads"]["used"] == 1
    with nothing_changes():
        empty = api_client.post(
            f"/api/v1/campaigns/{campaign.pk}/leads/remove", {"lead_ids": []}, format="json"
        )
    assert empty.status_code == 400


@pytest.mark.parametrize("path", ["leads", "leads/remove"])
def test_an_id_past_the_largest_key_is_400_not_a_crash(api_client, workspace, path):
    campaign = CampaignFactory(workspace=workspace)

    with nothing_changes():
        response = api_client.post(
            f"/api/v1/campaigns/{campaign.pk}/{path}", {"lead_ids": [2**70]}, format="json"
        )

    assert response.status_code == 400
    assert "lead_ids" in response.json()["error"]["details"]


def test_a_new_contact_with_a_malformed_optional_value_is_added_without_it_and_named(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    leads = [
        {"email": "ann@example.com", "website": "ann.example"},
        {"email": "bob@example.com", "website": "not a url", "city": "Oslo"},
        {"email": "nope", "website": "not a url"},
    ]

    response = add(api_client, campaign, leads=leads)

    assert response.status_code == 200
    body = response.json()
    assert (body["added"], body["invalid"]) == (2, 1)
    assert [item["index"] for item in body["invalid_items"]] == [2]
    assert body["warnings"] == [
        {
            "index": 1,
            "email": "bob@example.com",
            "warnings": {"website": ["'not a url' is not a web address."]},
        }
    ]
    bob = Lead.objects.for_workspace(workspace).get(email="bob@example.com")
    assert (bob.website, bob.city) == ("", "Oslo")
    assert Lead.objects.for_workspace(workspace).get(email="ann@example.com").website == "https://ann.example"
