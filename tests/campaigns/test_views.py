"""The Campaigns pages of the dashboard, and what they say when an addition does not fit."""

import pytest
from django.test import Client
from django.urls import reverse

from billing import services as billing_services
from billing.selectors import usage_for_workspace
from campaigns import services
from campaigns.models import Campaign, Enrollment
from leads.models import Lead
from tests.factories import (
    CampaignFactory,
    LeadFactory,
    WorkspaceFactory,
    add_step,
    enroll,
    give_a_mailbox,
    owner_of,
)
from tests.unchanged import nothing_changes


def client_for(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


@pytest.fixture
def client(workspace):
    return client_for(workspace)


def used(workspace):
    return usage_for_workspace(workspace=workspace)["active_leads"]["used"]


def fill(workspace, campaign, count):
    """Puts ``count`` new contacts in ``campaign``."""
    emails = [{"email": f"filler{n}@example.com"} for n in range(count)]
    services.enrollments_add(workspace=workspace, campaign=campaign, leads=emails)


def test_the_campaign_list_shows_status_and_lead_counts_of_this_workspace_only(
    client, workspace, other_workspace
):
    campaign = CampaignFactory(workspace=workspace, name="Spring launch", status="paused")
    enroll(campaign, LeadFactory.create_batch(3, workspace=workspace))
    CampaignFactory(workspace=other_workspace, name="Their secret campaign")

    response = client.get(reverse("campaigns"))

    assert [c.pk for c in response.context["campaigns"]] == [campaign.pk]
    row = response.text[response.text.index("Spring launch") :]
    assert "Paused" in row[:300] and ">3<" in row[:300]
    assert "Their secret campaign" not in response.text
    assert 'data-testid="active-leads-used">3<' in response.text


def test_creating_a_campaign_opens_it(client, workspace):
    response = client.post(reverse("campaigns"), {"name": "Autumn"}, follow=True)

    campaign = Campaign.objects.for_workspace(workspace).get()
    assert response.redirect_chain == [(reverse("campaign_detail", args=[campaign.pk]), 302)]
    assert "Autumn is created, as a draft." in response.text
    assert client.post(reverse("campaigns"), {"name": "  "}).status_code == 200
    assert Campaign.objects.for_workspace(workspace).count() == 1


def test_renaming_and_changing_status(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    add_step(campaign)
    give_a_mailbox(campaign)

    client.post(reverse("campaign_rename", args=[campaign.pk]), {"name": "Renamed"})
    response = client.post(reverse("campaign_status", args=[campaign.pk]), {"status": "active"}, follow=True)

    campaign = Campaign.objects.for_workspace(workspace).get(pk=campaign.pk)
    assert (campaign.name, campaign.status) == ("Renamed", "active")
    assert "Renamed is active." in response.text


def test_archiving_says_how_many_slots_it_freed_and_unarchiving_that_does_not_fit_is_refused(
    client, workspace
):
    campaign, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    fill(workspace, campaign, 200)

    archived = client.post(
        reverse("campaign_status", args=[campaign.pk]), {"status": "archived"}, follow=True
    )
    services.enrollments_add(
        workspace=workspace, campaign=other, leads=[{"email": f"b{n}@example.com"} for n in range(100)]
    )
    with nothing_changes():
        refused = client.post(
            reverse("campaign_status", args=[campaign.pk]), {"status": "active"}, follow=True
        )

    assert "is archived. 200 active-lead slots freed." in archived.text
    assert "stays archived: its contacts need 200 active-lead slots and 150 of 250 are free." in refused.text
    assert Campaign.objects.for_workspace(workspace).get(pk=campaign.pk).status == "archived"


def test_deleting_asks_first_saying_how_many_slots_it_frees(client, workspace):
    campaign, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(campaign, leads)
    enroll(other, leads[:1])

    confirmation = client.get(reverse("campaign_delete", args=[campaign.pk]))
    assert "This frees 2 active-lead slots" in confirmation.text
    assert Campaign.objects.for_workspace(workspace).filter(pk=campaign.pk).exists()

    response = client.post(reverse("campaign_delete", args=[campaign.pk]), follow=True)

    assert f"{campaign.name} is deleted. 2 active-lead slots freed." in response.text
    assert used(workspace) == 1


def test_the_campaign_page_lists_its_contacts_and_removes_the_ticked_ones(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    outsider = LeadFactory(workspace=workspace)
    enroll(campaign, leads)

    page = client.get(reverse("campaign_detail", args=[campaign.pk]))
    assert [lead.pk for lead in page.context["leads"]] == [lead.pk for lead in reversed(leads)]
    assert outsider.email not in page.text

    response = client.post(
        reverse("campaign_leads_remove", args=[campaign.pk]),
        {"lead_ids": [leads[0].pk, leads[1].pk]},
        follow=True,
    )

    assert f"Removed 2 contacts from {campaign.name}." in response.text
    assert used(workspace) == 1
    nothing = client.post(reverse("campaign_leads_remove", args=[campaign.pk]), {}, follow=True)
    assert "Tick the contacts to remove." in nothing.text


def test_finding_contacts_to_add_offers_only_those_not_in_the_campaign(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    inside = LeadFactory(workspace=workspace, company_name="Initech")
    outside = LeadFactory(workspace=workspace, company_name="Initech")
    enroll(campaign, [inside])

    response = client.get(reverse("campaign_detail", args=[campaign.pk]), {"find": "initech"})

    assert [lead.pk for lead in response.context["found"]] == [outside.pk]
    assert f'name="lead_ids" value="{outside.pk}"' in response.text


def test_ticked_contacts_and_pasted_emails_are_added_and_new_emails_become_contacts(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)

    response = client.post(
        reverse("campaign_leads_add", args=[campaign.pk]),
        {"lead_ids": [lead.pk], "emails": "new@example.com,\nOther@Example.com; not-an-email"},
        follow=True,
    )

    assert "Added 3 contacts." in response.text
    assert "1 not added: not-an-email:" in response.text
    created = Lead.objects.for_workspace(workspace).filter(email__in=["new@example.com", "other@example.com"])
    assert {lead.source for lead in created} == {Lead.Source.MANUAL}
    assert Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).count() == 3


def test_an_addition_with_some_left_out_is_a_warning_giving_each_reason_in_words(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)

    response = client.post(
        reverse("campaign_leads_add", args=[campaign.pk]),
        {"lead_ids": [lead.pk, lead.pk], "emails": "new@example.com not-an-email"},
        follow=True,
    )

    [message] = response.context["messages"]
    assert message.level_tag == "warning"
    text = str(message)
    assert text.startswith("Added 2 contacts. 2 not added: ")
    assert "not-an-email: Email: " in text
    assert f"{lead.pk}: Listed more than once in this request" in text
    assert ".." not in text and text.endswith(".")


def test_an_empty_addition_says_what_to_do(client, workspace):
    campaign = CampaignFactory(workspace=workspace)

    with nothing_changes():
        response = client.post(reverse("campaign_leads_add", args=[campaign.pk]), {"emails": "  "})

    assert "Tick contacts from the search or paste emails to add." in response.text


def test_an_addition_that_does_not_fit_says_how_many_fit_and_offers_to_add_those(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    fill(workspace, campaign, 247)
    existing = LeadFactory.create_batch(2, workspace=workspace)
    url = reverse("campaign_leads_add", args=[campaign.pk])

    with nothing_changes():
        refused = client.post(
            url,
            {
                "lead_ids": [lead.pk for lead in existing],
                "emails": "x@example.com y@example.com z@example.com",
            },
        )

    assert refused.status_code == 200
    assert "Only 3 of 5 fit: 3 of 250 active leads are free." in refused.text
    assert "Add the 3 that fit" in refused.text
    assert reverse("settings_billing") in refused.text
    assert 'href="#leads"' in refused.text
    assert refused.context["next_url"].startswith(reverse("campaign_detail", args=[campaign.pk]) + "?after=")
    assert used(workspace) == 247
    assert not Lead.objects.for_workspace(workspace).filter(email="x@example.com").exists()

    partial = client.post(
        url,
        {
            "lead_ids": [lead.pk for lead in existing],
            "emails": "x@example.com y@example.com z@example.com",
            "allow_partial": "on",
        },
        follow=True,
    )

    assert "Added 3 contacts. 2 did not fit under the active-leads limit" in partial.text
    assert used(workspace) == 250
    assert Lead.objects.for_workspace(workspace).filter(email="z@example.com").exists()


def test_the_offer_to_add_what_fits_counts_the_contacts_active_elsewhere_that_need_no_slot(client, workspace):
    campaign, elsewhere = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    fill(workspace, elsewhere, 248)
    active = list(Enrollment.objects.for_workspace(workspace).values_list("lead__email", flat=True)[:3])
    pasted = " ".join([*active, "n1@example.com", "n2@example.com", "n3@example.com"])
    url = reverse("campaign_leads_add", args=[campaign.pk])

    refused = client.post(url, {"emails": pasted})

    assert "Only 2 of 3 fit: 2 of 250 active leads are free." in refused.text
    assert "3 more are in another campaign already and need no slot." in refused.text
    assert "Add the 5 that fit" in refused.text
    client.post(url, {"emails": pasted, "allow_partial": "on"})
    assert Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).count() == 5


def test_finding_contacts_after_a_refused_addition_searches_the_campaign_page(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    LeadFactory(workspace=workspace, email="ada@example.com")

    refused = client.post(reverse("campaign_leads_add", args=[campaign.pk]), {"emails": "  "})

    search = refused.text[refused.text.index('role="search"') - 120 : refused.text.index('role="search"')]
    assert f'action="{reverse("campaign_detail", args=[campaign.pk])}"' in search
    found = client.get(reverse("campaign_detail", args=[campaign.pk]), {"find": "ada"})
    assert found.status_code == 200 and "ada@example.com" in found.text


def test_after_a_downgrade_below_used_the_campaign_page_says_adding_is_blocked(db):
    workspace = WorkspaceFactory(plan_code="growth")
    campaign = CampaignFactory(workspace=workspace)
    fill(workspace, campaign, 300)
    billing_services.subscription_set_plan(workspace=workspace, plan_code="trial")
    client = client_for(workspace)

    page = client.get(reverse("campaign_detail", args=[campaign.pk]))
    refused = client.post(reverse("campaign_leads_add", args=[campaign.pk]), {"emails": "late@example.com"})

    assert 'data-kind="active_leads"' in page.text
    assert "Only 0 of 1 fit: 0 of 250 active leads are free." in refused.text
    assert "Add the 0 that fit" not in refused.text
    assert Enrollment.objects.for_workspace(workspace).count() == 300


def test_campaign_forms_need_the_csrf_token(workspace):
    campaign = CampaignFactory(workspace=workspace)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner_of(workspace))

    for name in (
        "campaign_rename",
        "campaign_status",
        "campaign_delete",
        "campaign_leads_add",
        "campaign_leads_remove",
    ):
        assert (
            client.post(reverse(name, args=[campaign.pk]), {"name": "x", "status": "archived"}).status_code
            == 403
        )
    assert client.post(reverse("campaigns"), {"name": "x"}).status_code == 403
    assert Campaign.objects.for_workspace(workspace).get().status == "draft"


@pytest.mark.parametrize("after", [str(2**70), "-1", "x"])
def test_a_campaign_page_position_that_is_no_id_shows_the_first_page(client, workspace, after):
    campaign = CampaignFactory(workspace=workspace)
    enroll(campaign, [LeadFactory(workspace=workspace, email="kept@example.com")])

    response = client.get(reverse("campaign_detail", args=[campaign.pk]), {"after": after})

    assert response.status_code == 200
    assert "kept@example.com" in response.text
