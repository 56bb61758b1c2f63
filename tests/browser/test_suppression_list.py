import re

import pytest
from playwright.sync_api import expect

from leads.models import Suppression
from leads.services import suppression_add
from sending.unsubscribing import make_token
from tests.factories import (
    DEFAULT_PASSWORD,
    CampaignFactory,
    LeadFactory,
    UserFactory,
    WorkspaceFactory,
    enroll,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_suppression_list_on_a_phone_adds_filters_and_removes(page, screenshot):
    user = UserFactory(email="grace@example.com")
    workspace = WorkspaceFactory(name="Compilers Inc", owner=user)
    suppression_add(
        workspace=workspace, values=[f"person{n}@a-rather-long-domain-name.example" for n in range(3)]
    )
    page.set_viewport_size(PHONE)

    page.goto("/login/")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Suppression list").click()

    page.get_by_label("Email or domain").fill("@Spam.example")
    page.get_by_role("button", name="Add to the list").click()
    expect(page.get_by_role("status")).to_have_text(
        "spam.example is suppressed: no address at this domain will be contacted."
    )
    assert fits(page)
    screenshot("suppression-list-phone")

    page.get_by_label("Kind").select_option("domain")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#suppressions tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Remove").click()
    page.get_by_role("button", name="Remove it").click()
    expect(page.get_by_role("status")).to_contain_text("spam.example is off the suppression list")
    assert not Suppression.objects.for_workspace(workspace).filter(kind="domain").exists()


def test_the_unsubscribe_page_on_a_phone_needs_no_cookie(browser, live_server):
    workspace = WorkspaceFactory()
    lead = LeadFactory(workspace=workspace, email="jane.doe@example.com")
    campaign = CampaignFactory(workspace=workspace, status="active")
    enroll(campaign, [lead])
    token = make_token(workspace_id=workspace.pk, lead_id=lead.pk, campaign_id=campaign.pk)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    refused = []
    page.on(
        "console", lambda message: "Content Security Policy" in message.text and refused.append(message.text)
    )

    page.goto(f"/u/{token}")
    expect(page.get_by_text("j•••@example.com")).to_be_visible()
    assert fits(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading")).to_have_text("You are unsubscribed")

    assert context.cookies() == []
    assert refused == []
    assert Suppression.objects.for_workspace(workspace).filter(value="jane.doe@example.com").exists()
    context.close()
