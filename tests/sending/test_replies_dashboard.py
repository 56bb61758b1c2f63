"""The Replies page of the dashboard: one inbox across campaigns, kind tabs, filters, pages, a reply's page
and its label buttons (any member may label)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from sending import replies_views
from sending.models import Mailbox, Reply
from sending.replies_services import InvalidLabel, reply_label_set
from tests.factories import CampaignFactory, LeadFactory, MembershipFactory, owner_of
from tests.sending.factories import MailboxFactory, ReplyFactory, message_to

URL = "/replies/"


@pytest.fixture
def client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def a_reply(workspace, *, minutes=1, campaign=None, mailbox=None, **fields):
    campaign = campaign or CampaignFactory(workspace=workspace)
    message = message_to(campaign, LeadFactory(workspace=workspace), mailbox)
    return ReplyFactory(message=message, received_at=timezone.now() - timedelta(minutes=minutes), **fields)


def shown(response):
    assert response.status_code == 200
    return [reply.pk for reply in response.context["replies"]]


def test_the_inbox_shows_replies_across_campaigns_newest_first_with_lead_campaign_and_label(
    client, workspace
):
    mailbox = MailboxFactory(workspace=workspace, email="sales@outreach.example")
    older = a_reply(workspace, minutes=9, mailbox=mailbox, snippet="Call me on Tuesday", label="interested")
    newer = a_reply(workspace, minutes=2, mailbox=mailbox)
    a_reply(workspace, kind=Reply.Kind.AUTO_REPLY)

    response = client.get(URL)

    assert shown(response) == [newer.pk, older.pk]
    html = response.content.decode()
    for text in (older.lead.email, older.campaign.name, "sales@outreach.example", "Call me on Tuesday"):
        assert text in html
    assert f'href="/contacts/{older.lead_id}/"' in html
    assert f'href="/campaigns/{older.campaign_id}/"' in html
    assert f'href="/replies/{older.pk}/"' in html
    assert '<span class="badge interested">Interested</span>' in html


@pytest.mark.parametrize("kind", ["auto_reply", "bounce"])
def test_a_tab_shows_automatic_replies_or_bounces(client, workspace, kind):
    a_reply(workspace)
    theirs = a_reply(workspace, kind=kind)

    response = client.get(URL, {"kind": kind})

    assert shown(response) == [theirs.pk]
    assert f'aria-current="page">{dict(replies_views.TABS)[kind]}</a>' in response.content.decode()


def test_the_filters_narrow_the_list_and_a_foreign_or_malformed_value_is_no_filter(
    client, workspace, other_workspace
):
    spring = CampaignFactory(workspace=workspace, name="Spring")
    mailbox = MailboxFactory(workspace=workspace)
    jane = a_reply(workspace, campaign=spring, mailbox=mailbox, subject="Re: Jane's question", minutes=3)
    labelled = a_reply(workspace, campaign=spring, label="out_of_office", minutes=2)
    elsewhere = a_reply(workspace, minutes=1)
    theirs = CampaignFactory(workspace=other_workspace)

    assert shown(client.get(URL, {"campaign": spring.pk})) == [labelled.pk, jane.pk]
    assert shown(client.get(URL, {"mailbox": mailbox.pk})) == [jane.pk]
    assert shown(client.get(URL, {"label": "out_of_office"})) == [labelled.pk]
    assert shown(client.get(URL, {"label": "none", "campaign": spring.pk})) == [jane.pk]
    assert shown(client.get(URL, {"q": "JANE'S"})) == [jane.pk]
    everything = [elsewhere.pk, labelled.pk, jane.pk]
    assert shown(client.get(URL, {"campaign": theirs.pk})) == everything
    assert (
        shown(client.get(URL, {"campaign": "x", "label": "hot", "kind": "spam", "after": "-1"})) == everything
    )


def test_pages_go_forward_and_back_in_order(client, workspace, monkeypatch):
    monkeypatch.setattr(replies_views, "PAGE_SIZE", 2)
    campaign = CampaignFactory(workspace=workspace)
    same_moment = timezone.now() - timedelta(minutes=5)
    replies = [a_reply(workspace, campaign=campaign, minutes=n) for n in (1, 2)]
    replies += [
        ReplyFactory(message=message_to(campaign, LeadFactory(workspace=workspace)), received_at=same_moment)
        for _ in range(3)
    ]
    expected = [r.pk for r in sorted(replies, key=lambda r: (r.received_at, r.pk), reverse=True)]

    first = client.get(URL, {"campaign": campaign.pk})
    second = client.get(first.context["next_url"])
    third = client.get(second.context["next_url"])
    back = client.get(third.context["previous_url"])

    assert shown(first) + shown(second) + shown(third) == expected
    assert third.context["next_url"] is None
    assert shown(back) == shown(second)
    assert f"campaign={campaign.pk}" in second.context["next_url"]
    assert first.context["previous_url"] is None


def test_with_no_mailbox_reading_imap_the_empty_inbox_says_to_connect_one(client, workspace):
    MailboxFactory(workspace=workspace, imap_host="")

    html = client.get(URL).content.decode()

    assert "No replies yet" in html
    assert "add each mailbox's IMAP settings" in html
    assert 'href="/mailboxes/"' in html


def test_with_a_mailbox_reading_imap_the_empty_inbox_says_replies_will_come(client, workspace):
    MailboxFactory(workspace=workspace, imap_host="imap.example.com")

    html = client.get(URL).content.decode()

    assert "Leadpool reads your mailboxes every few minutes" in html
    assert "IMAP settings" not in html


def test_a_reply_page_shows_the_whole_text_and_what_it_answers(client, workspace):
    reply = a_reply(
        workspace, body="Hi Sam,\n\nYes, let's talk.\n\n> quoted history", from_email="jane@acme.example"
    )

    response = client.get(f"/replies/{reply.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Yes, let&#x27;s talk." in html
    assert "&gt; quoted history" in html
    assert "jane@acme.example" in html
    assert "step 1: Hello" in html
    assert 'aria-pressed="false">Interested</button>' in html


def test_the_label_buttons_set_and_clear_the_label(client, workspace):
    reply = a_reply(workspace)

    response = client.post(f"/replies/{reply.pk}/label/", {"label": "interested"}, follow=True)

    reply.refresh_from_db()
    assert reply.label == "interested"
    html = response.content.decode()
    assert "Labelled interested." in html
    assert '<span class="badge interested">Interested</span>' in html

    client.post(f"/replies/{reply.pk}/label/", {"label": ""})

    reply.refresh_from_db()
    assert reply.label == ""


def test_a_label_that_is_not_one_is_a_400_and_changes_nothing(client, workspace):
    reply = a_reply(workspace, label="wrong_person")

    response = client.post(f"/replies/{reply.pk}/label/", {"label": "hot"})

    assert response.status_code == 400
    assert "Choose one of the labels." in response.content.decode()
    reply.refresh_from_db()
    assert reply.label == "wrong_person"


def test_a_member_may_label(workspace):
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER).user
    client = Client()
    client.force_login(member)
    reply = a_reply(workspace)

    response = client.post(f"/replies/{reply.pk}/label/", {"label": "not_interested"})

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.label == "not_interested"


def test_labelling_takes_only_the_four_labels(workspace):
    reply = a_reply(workspace)

    with pytest.raises(InvalidLabel, match='"hot" is not a label'):
        reply_label_set(workspace=workspace, reply=reply, label="hot")

    reply.refresh_from_db()
    assert reply.label == ""


def test_the_campaign_page_links_to_its_replies(client, workspace):
    campaign = CampaignFactory(workspace=workspace)

    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()

    assert f'href="/replies/?campaign={campaign.pk}"' in html


def test_a_reply_whose_mailbox_was_deleted_still_shows(client, workspace):
    mailbox = MailboxFactory(workspace=workspace)
    reply = a_reply(workspace, mailbox=mailbox)
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).delete()

    assert shown(client.get(URL)) == [reply.pk]
    assert client.get(f"/replies/{reply.pk}/").status_code == 200
