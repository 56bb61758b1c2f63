"""The Replies inbox in real Chromium: open it from the main navigation, filter it, open a reply, label it
and see the label in the reply's page and in the list; on a phone too."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sending.models import Reply
from tests.factories import DEFAULT_PASSWORD, CampaignFactory, LeadFactory, UserFactory, WorkspaceFactory
from tests.sending.factories import MailboxFactory, ReplyFactory, message_to

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _inbox():
    user = UserFactory(email="ada@example.com")
    workspace = WorkspaceFactory(name="Engines Ltd", owner=user)
    spring = CampaignFactory(workspace=workspace, name="Spring launch")
    autumn = CampaignFactory(workspace=workspace, name="Autumn follow-up")
    mailbox = MailboxFactory(workspace=workspace, email="ada@engines.example", imap_host="imap.example.com")

    def reply(campaign, email, minutes, **fields):
        lead = LeadFactory(workspace=workspace, email=email, first_name=email.split("@")[0].title())
        return ReplyFactory(
            message=message_to(campaign, lead, mailbox),
            received_at=timezone.now() - timedelta(minutes=minutes),
            **fields,
        )

    reply(spring, "grace@navy.example", 3, subject="Re: Hello Grace", body="Yes, let us talk on Tuesday.")
    reply(autumn, "charles@engines.example", 2, subject="Re: Following up", body="Not now, thanks.")
    reply(spring, "ooo@navy.example", 1, kind=Reply.Kind.AUTO_REPLY, subject="Out of office")
    return workspace


def _sign_in(page):
    page.goto("/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_open_the_inbox_filter_it_open_a_reply_label_it_and_see_the_label(page, screenshot):
    workspace = _inbox()
    _sign_in(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Replies").click()
    rows = page.locator("table.replies tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("charles@engines.example")
    screenshot("replies-inbox")

    page.get_by_label("Campaign").select_option(label="Spring launch")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("grace@navy.example")
    expect(rows.first).to_contain_text("Yes, let us talk on Tuesday.")

    page.get_by_role("navigation", name="Kinds of replies").get_by_role("link", name="Auto-replies").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Out of office")
    page.get_by_role("navigation", name="Kinds of replies").get_by_role(
        "link", name="Replies", exact=True
    ).click()

    page.get_by_role("link", name="Re: Hello Grace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Re: Hello Grace")
    expect(page.locator(".reply-body")).to_have_text("Yes, let us talk on Tuesday.")
    expect(page.get_by_test_id("reply-label")).to_have_text("No label yet.")

    page.get_by_role("button", name="Interested", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Labelled interested.")
    expect(page.get_by_test_id("reply-label")).to_have_text("Interested")
    expect(page.get_by_role("button", name="Interested", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    screenshot("reply-labelled")

    page.get_by_role("link", name="← Replies").click()
    page.get_by_label("Label").select_option(label="Interested")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".badge.interested")).to_have_text("Interested")
    assert Reply.objects.for_workspace(workspace).get(subject="Re: Hello Grace").label == "interested"


def test_the_inbox_and_a_reply_fit_a_phone(page):
    _inbox()
    page.set_viewport_size(PHONE)
    _sign_in(page)

    page.goto("/replies/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name="Re: Following up").click()
    page.get_by_role("button", name="Not interested").click()
    expect(page.get_by_test_id("reply-label")).to_have_text("Not interested")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
