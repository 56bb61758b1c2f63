"""The Contacts pages of the dashboard: search, keyset pages, one contact, edit, delete."""

import pytest
from django.test import Client
from django.urls import reverse

from billing.selectors import usage_for_workspace
from leads.models import Lead
from tests.factories import CampaignFactory, LeadFactory, enroll, owner_of
from tests.unchanged import nothing_changes


@pytest.fixture
def client(owner):
    client = Client()
    client.force_login(owner)
    return client


def test_the_contacts_page_lists_only_this_workspaces_contacts_newest_first(
    client, workspace, other_workspace
):
    older, newer = LeadFactory(workspace=workspace), LeadFactory(workspace=workspace)
    theirs = LeadFactory(workspace=other_workspace)

    response = client.get(reverse("contacts"))

    assert [lead.pk for lead in response.context["leads"]] == [newer.pk, older.pk]
    assert theirs.email not in response.text
    assert response.text.index(newer.email) < response.text.index(older.email)


def test_contacts_are_searched_by_email_name_or_company(client, workspace):
    grace = LeadFactory(workspace=workspace, first_name="Grace", last_name="Hopper", company_name="Navy")
    LeadFactory(workspace=workspace, first_name="Ada", last_name="Lovelace", company_name="Engines")

    response = client.get(reverse("contacts"), {"q": "grace hop"})

    assert [lead.pk for lead in response.context["leads"]] == [grace.pk]
    assert client.get(reverse("contacts"), {"q": "zzz"}).context["leads"] == []
    assert "No contact matches" in client.get(reverse("contacts"), {"q": "zzz"}).text


def test_contacts_come_in_pages_of_50_with_next_and_previous_links(client, workspace):
    leads = LeadFactory.create_batch(55, workspace=workspace)

    first = client.get(reverse("contacts"))
    second = client.get(first.context["next_url"])
    back = client.get(second.context["previous_url"])

    assert len(first.context["leads"]) == 50
    assert first.context["previous_url"] is None
    assert [lead.pk for lead in second.context["leads"]] == [lead.pk for lead in reversed(leads[:5])]
    assert second.context["next_url"] is None
    assert back.context["leads"] == first.context["leads"]
    assert client.get(reverse("contacts"), {"after": "not-a-number"}).status_code == 200


def test_a_contact_is_edited_through_the_shared_validation(client, workspace):
    lead = LeadFactory(workspace=workspace)
    url = reverse("contact_detail", args=[lead.pk])

    response = client.post(
        url, {"email": " New@Example.com ", "first_name": "Ada", "custom_fields": '{"plan": "pro"}'}
    )

    assert response.status_code == 302
    lead = Lead.objects.for_workspace(workspace).get(pk=lead.pk)
    assert (lead.email, lead.first_name, lead.custom_fields) == ("new@example.com", "Ada", {"plan": "pro"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "not a valid email address"),
        ({"email": "a@example.com", "custom_fields": "[1, 2]"}, "Write an object in braces"),
        ({"email": "a@example.com", "website": "not a site"}, "is not a web address"),
    ],
)
def test_an_invalid_edit_says_why_and_changes_nothing(client, workspace, data, message):
    lead = LeadFactory(workspace=workspace)

    with nothing_changes():
        response = client.post(reverse("contact_detail", args=[lead.pk]), data)

    assert response.status_code == 200
    assert message in response.text
    assert Lead.objects.for_workspace(workspace).get(pk=lead.pk).email == lead.email


def test_taking_another_contacts_email_is_refused(client, workspace):
    lead, other = LeadFactory.create_batch(2, workspace=workspace)

    with nothing_changes():
        response = client.post(reverse("contact_detail", args=[lead.pk]), {"email": other.email})

    assert f"A contact with the email {other.email} already exists." in response.text


def test_deleting_a_contact_frees_its_slot_and_says_so(client, workspace):
    lead = LeadFactory(workspace=workspace)
    campaign = CampaignFactory(workspace=workspace)
    enroll(campaign, [lead])
    page = client.get(reverse("contact_detail", args=[lead.pk]))
    assert "frees 1 active-lead slot" in page.text
    assert campaign.name in page.text

    response = client.post(reverse("contact_delete", args=[lead.pk]), follow=True)

    assert f"{lead.email} is deleted. 1 active-lead slot freed." in response.text
    assert usage_for_workspace(workspace=workspace)["active_leads"]["used"] == 0
    assert client.get(reverse("contact_delete", args=[lead.pk])).status_code == 405


def test_contact_forms_need_the_csrf_token(workspace):
    lead = LeadFactory(workspace=workspace)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner_of(workspace))

    assert client.post(reverse("contact_delete", args=[lead.pk])).status_code == 403
    assert (
        client.post(reverse("contact_detail", args=[lead.pk]), {"email": "x@example.com"}).status_code == 403
    )
    assert Lead.objects.for_workspace(workspace).filter(pk=lead.pk).exists()
