"""Rule 21: the link in every message unsubscribes without login, cookie or CSRF token, by a GET page and
its button or by a mail client's one-click POST (RFC 8058), in that workspace only."""

import pytest
from django.test import Client

from campaigns.models import Enrollment
from campaigns.services import lead_delete
from leads.models import Suppression
from leads.services import suppression_add
from sending.unsubscribing import make_token, unsubscribe_url
from tests.factories import CampaignFactory, LeadFactory, enroll


def link_for(lead, campaign):
    token = make_token(workspace_id=lead.workspace_id, lead_id=lead.pk, campaign_id=campaign.pk)
    return f"/u/{token}"


@pytest.fixture
def public():
    """A browser that has never visited: no session, no CSRF cookie, and CSRF checks on."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def enrolled(workspace):
    lead = LeadFactory(workspace=workspace, email="jane.doe@example.com")
    campaigns = [CampaignFactory(workspace=workspace, status="active") for _ in range(2)]
    for campaign in campaigns:
        enroll(campaign, [lead])
    return lead, campaigns


def statuses(lead):
    return sorted(
        Enrollment.objects.for_workspace(lead.workspace_id).filter(lead=lead).values_list("status", flat=True)
    )


def suppressed(workspace):
    return list(Suppression.objects.for_workspace(workspace).values_list("kind", "value", "reason"))


def test_the_link_is_an_absolute_address_of_the_public_page(settings, enrolled):
    lead, (campaign, _) = enrolled
    settings.SITE_URL = "https://app.example.com/"
    token = make_token(workspace_id=lead.workspace_id, lead_id=lead.pk, campaign_id=campaign.pk)

    assert unsubscribe_url(token) == f"https://app.example.com/u/{token}"


def test_the_page_shows_the_address_partly_and_a_button_and_changes_nothing(public, workspace, enrolled):
    lead, (campaign, _) = enrolled

    response = public.get(link_for(lead, campaign))

    page = response.content.decode()
    assert response.status_code == 200
    assert "j•••@example.com" in page
    assert "jane.doe@example.com" not in page
    assert '<button type="submit">Unsubscribe</button>' in page
    assert "csrfmiddlewaretoken" not in page
    assert response.cookies == {}
    assert suppressed(workspace) == []
    assert statuses(lead) == ["active", "active"]


def test_one_click_post_suppresses_the_address_and_ends_its_sequences_in_every_campaign(
    public, workspace, enrolled
):
    lead, (campaign, _) = enrolled

    response = public.post(
        link_for(lead, campaign),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert response.cookies == {}
    assert suppressed(workspace) == [("email", "jane.doe@example.com", "unsubscribed")]
    assert statuses(lead) == ["unsubscribed", "unsubscribed"]


def test_any_body_or_none_is_accepted(public, workspace, enrolled):
    lead, (campaign, _) = enrolled

    response = public.post(link_for(lead, campaign))

    assert response.status_code == 200
    assert suppressed(workspace) == [("email", "jane.doe@example.com", "unsubscribed")]


def test_a_second_post_is_200_and_changes_nothing_more(public, workspace, enrolled):
    lead, (campaign, _) = enrolled
    public.post(link_for(lead, campaign))
    first = list(Suppression.objects.for_workspace(workspace).values())

    response = public.post(link_for(lead, campaign))

    assert response.status_code == 200
    assert list(Suppression.objects.for_workspace(workspace).values()) == first
    assert statuses(lead) == ["unsubscribed", "unsubscribed"]


def test_after_unsubscribing_the_page_says_so_without_a_button(public, enrolled):
    lead, (campaign, _) = enrolled
    public.post(link_for(lead, campaign))

    page = public.get(link_for(lead, campaign)).content.decode()

    assert "already unsubscribed" in page
    assert "<button" not in page


def test_finished_sequences_keep_their_status(public, workspace, enrolled):
    lead, (first, second) = enrolled
    Enrollment.objects.for_workspace(workspace).filter(campaign=first).update(status="completed")

    public.post(link_for(lead, second))

    assert statuses(lead) == ["completed", "unsubscribed"]


def test_only_that_workspace_is_touched(public, workspace, other_workspace, enrolled):
    lead, (campaign, _) = enrolled
    theirs = LeadFactory(workspace=other_workspace, email="jane.doe@example.com")
    enroll(CampaignFactory(workspace=other_workspace, status="active"), [theirs])

    public.post(link_for(lead, campaign))

    assert suppressed(other_workspace) == []
    assert statuses(theirs) == ["active"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_or_made_up_token_is_a_404_and_changes_nothing(public, workspace, enrolled, method):
    lead, (campaign, _) = enrolled
    good = link_for(lead, campaign)
    other_lead = make_token(workspace_id=lead.workspace_id, lead_id=lead.pk + 1, campaign_id=campaign.pk)
    tampered = [
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        f"/u/{other_lead[:-1]}x",
        "/u/nonsense",
    ]

    for link in tampered:
        response = getattr(public, method)(link)

        assert response.status_code == 404, link
        assert "This link is not valid" in response.content.decode()
    assert suppressed(workspace) == []
    assert statuses(lead) == ["active", "active"]


def test_a_deleted_contact_has_nothing_to_unsubscribe(public, workspace, enrolled):
    lead, (campaign, _) = enrolled
    link = link_for(lead, campaign)
    lead_delete(workspace=workspace, lead=lead)

    response = public.post(link)

    assert response.status_code == 200
    assert "Nothing to unsubscribe" in response.content.decode()
    assert suppressed(workspace) == []


def test_an_address_already_suppressed_by_its_domain_is_still_added_by_address(public, workspace, enrolled):
    lead, (campaign, _) = enrolled
    suppression_add(workspace=workspace, value="example.com")

    public.post(link_for(lead, campaign))

    assert sorted(suppressed(workspace)) == [
        ("domain", "example.com", "manual"),
        ("email", "jane.doe@example.com", "unsubscribed"),
    ]
