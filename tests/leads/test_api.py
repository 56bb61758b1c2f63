"""/api/v1/leads: contacts through the API (API.md)."""

import pytest

from campaigns import services as campaign_services
from leads.models import Lead
from tests.factories import CampaignFactory, LeadFactory, enroll
from tests.unchanged import nothing_changes

LEAD_KEYS = {
    "id",
    "email",
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "phone",
    "website",
    "linkedin_url",
    "city",
    "country",
    "custom_fields",
    "campaign_ids",
    "source",
    "created_at",
}
WRITTEN_LEAD_KEYS = {*LEAD_KEYS, "warnings"}


def used(client):
    return client.get("/api/v1/usage").json()["active_leads"]["used"]


def test_posting_a_contact_creates_it_normalised_with_source_api(member_api_client, workspace):
    response = member_api_client.post(
        "/api/v1/leads",
        {
            "email": "  Ada.Lovelace@Example.COM ",
            "first_name": "Ada",
            "website": "lovelace.example",
            "phone": None,
            "custom_fields": {"plan": "pro", "seats": 3},
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == WRITTEN_LEAD_KEYS
    assert body["warnings"] == {}
    assert body["email"] == "ada.lovelace@example.com"
    assert body["website"] == "https://lovelace.example"
    assert body["phone"] == ""
    assert body["custom_fields"] == {"plan": "pro", "seats": 3}
    assert (body["campaign_ids"], body["source"]) == ([], "api")
    assert body["created_at"].endswith("Z")
    assert Lead.objects.for_workspace(workspace).get(pk=body["id"]).email == "ada.lovelace@example.com"


def test_posting_an_email_the_workspace_has_in_any_case_is_409_naming_the_contact(api_client, workspace):
    lead = LeadFactory(workspace=workspace, email="grace@example.com")

    with nothing_changes():
        response = api_client.post("/api/v1/leads", {"email": "GRACE@example.com"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert response.json()["error"]["details"] == {"lead_id": lead.pk}
    assert Lead.objects.for_workspace(workspace).count() == 1


def test_the_same_email_in_another_workspace_is_another_contact(api_client, other_workspace):
    LeadFactory(workspace=other_workspace, email="grace@example.com")

    assert api_client.post("/api/v1/leads", {"email": "grace@example.com"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an email"}, "email"),
        ({"email": "not an email", "website": "acme.com"}, "email"),
        ({"email": "a@example.com", "custom_fields": ["a"]}, "custom_fields"),
        ({"email": "a@example.com", "favourite_colour": "blue"}, "favourite_colour"),
        ({"email": "a@example.com", "first_name": ["Ada"]}, "first_name"),
        ({"first_name": "Ada"}, "email"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_creates_nothing(api_client, workspace, body, field):
    with nothing_changes():
        response = api_client.post("/api/v1/leads", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["details"]
    assert Lead.objects.for_workspace(workspace).count() == 0


def test_a_malformed_optional_value_is_dropped_and_named_in_the_answer_not_refused(api_client, workspace):
    response = api_client.post(
        "/api/v1/leads",
        {"email": "a@example.com", "first_name": "Ada", "website": "not a url", "phone": "call me"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["warnings"] == {
        "website": ["'not a url' is not a web address."],
        "phone": ["'call me' is not a phone number."],
    }
    lead = Lead.objects.for_workspace(workspace).get()
    assert (lead.pk, lead.email, lead.first_name, lead.website, lead.phone) == (
        body["id"],
        "a@example.com",
        "Ada",
        "",
        "",
    )


def test_an_edit_with_a_malformed_optional_value_keeps_that_field_and_changes_the_rest(api_client, workspace):
    lead = LeadFactory(workspace=workspace, website="https://acme.example", city="Oslo")

    response = api_client.patch(
        f"/api/v1/leads/{lead.pk}", {"website": "not a url", "city": "Bergen"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["warnings"] == {"website": ["'not a url' is not a web address."]}
    lead.refresh_from_db()
    assert (lead.website, lead.city) == ("https://acme.example", "Bergen")


def test_listing_contacts_newest_first_with_their_campaigns_and_cursor_pages(
    api_client, workspace, other_workspace
):
    leads = LeadFactory.create_batch(5, workspace=workspace)
    LeadFactory(workspace=other_workspace)
    campaign = CampaignFactory(workspace=workspace)
    enroll(campaign, leads[:1])

    first = api_client.get("/api/v1/leads", {"limit": 3}).json()
    second = api_client.get(first["next"]).json()

    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [lead.pk for lead in reversed(leads)]
    assert second["next"] is None
    assert second["results"][-1]["campaign_ids"] == [campaign.pk]


@pytest.mark.parametrize("term", ["GRACE", "hopper@", "navy yard", "hopp"])
def test_search_matches_email_name_or_company_in_any_case(api_client, workspace, term):
    grace = LeadFactory(
        workspace=workspace,
        email="g.hopper@navy.example",
        first_name="Grace",
        last_name="Hopper",
        company_name="Navy Yard",
    )
    LeadFactory(
        workspace=workspace, email="ada@example.com", first_name="Ada", last_name="L", company_name="AE"
    )

    results = api_client.get("/api/v1/leads", {"search": term}).json()["results"]

    assert [row["id"] for row in results] == [grace.pk]


def test_the_campaign_filter_lists_only_its_contacts(api_client, workspace, other_workspace):
    campaign = CampaignFactory(workspace=workspace)
    inside, _ = LeadFactory.create_batch(2, workspace=workspace)
    enroll(campaign, [inside])
    theirs = CampaignFactory(workspace=other_workspace)

    assert [r["id"] for r in api_client.get(f"/api/v1/leads?campaign={campaign.pk}").json()["results"]] == [
        inside.pk
    ]
    assert api_client.get(f"/api/v1/leads?campaign={theirs.pk}").status_code == 404
    assert api_client.get("/api/v1/leads?campaign=first").status_code == 400


def test_an_empty_campaign_filter_is_400_not_every_contact(api_client, workspace):
    LeadFactory(workspace=workspace)

    response = api_client.get("/api/v1/leads?campaign=")

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["campaign"]


def test_reading_one_contact_names_every_campaign_it_is_in(api_client, workspace):
    lead = LeadFactory(workspace=workspace)
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    enroll(first, [lead])
    enroll(second, [lead])
    campaign_services.campaign_set_status(workspace=workspace, campaign=second, status="archived")

    body = api_client.get(f"/api/v1/leads/{lead.pk}").json()

    assert body["campaign_ids"] == [first.pk, second.pk]


def test_patching_a_contact_changes_only_the_fields_sent(api_client, workspace):
    lead = LeadFactory(workspace=workspace, first_name="Ada", last_name="Byron")

    response = api_client.patch(
        f"/api/v1/leads/{lead.pk}", {"last_name": "Lovelace", "email": "ADA@example.org"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["first_name"], response.json()["last_name"]) == ("Ada", "Lovelace")
    assert response.json()["email"] == "ada@example.org"


def test_patching_to_another_contacts_email_is_409_and_changes_nothing(api_client, workspace):
    lead, other = LeadFactory(workspace=workspace), LeadFactory(workspace=workspace)

    with nothing_changes():
        response = api_client.patch(f"/api/v1/leads/{lead.pk}", {"email": other.email.upper()}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"lead_id": other.pk}
    assert Lead.objects.for_workspace(workspace).get(pk=lead.pk).email == lead.email


def test_deleting_a_contact_frees_its_slot_at_once(api_client, workspace):
    lead = LeadFactory(workspace=workspace)
    enroll(CampaignFactory(workspace=workspace), [lead])
    assert used(api_client) == 1

    response = api_client.delete(f"/api/v1/leads/{lead.pk}")

    assert response.status_code == 204
    assert used(api_client) == 0
    assert api_client.get(f"/api/v1/leads/{lead.pk}").status_code == 404
