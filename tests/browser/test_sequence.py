import re

import pytest
from playwright.sync_api import expect

from tests.factories import (
    DEFAULT_PASSWORD,
    CampaignFactory,
    LeadFactory,
    UserFactory,
    WorkspaceFactory,
    enroll,
    give_a_mailbox,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits_the_width(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_writing_a_sequence_previewing_it_and_setting_the_schedule_on_a_phone(page, screenshot):
    user = UserFactory(email="ada@example.com")
    workspace = WorkspaceFactory(name="Analytical Engines", owner=user)
    campaign = CampaignFactory(workspace=workspace, name="Spring launch")
    enroll(campaign, [LeadFactory(workspace=workspace, email="grace@example.com", first_name="Grace")])
    give_a_mailbox(campaign)
    page.set_viewport_size(PHONE)

    page.goto("/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_test_id("start-campaign").click()
    expect(page.get_by_text("Add a step to the sequence before starting the campaign.")).to_be_visible()

    page.get_by_role("link", name="Sequence").click()
    page.get_by_label("Subject").fill("Hello {{first_name|there}}")
    page.get_by_label("Body").fill("Hi {{first_name}}, a word from {{sender_name|us}}.")
    page.get_by_role("button", name="Add the step").click()
    expect(page.get_by_text("Step 1 is added.")).to_be_visible()
    page.get_by_label("Body").fill("Just bumping this up.")
    page.get_by_label("Wait (days)").fill("3")
    page.get_by_role("button", name="Add the step").click()
    expect(page.get_by_test_id("step")).to_have_count(2)

    page.get_by_label("Step", exact=True).select_option("2")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Re: Hello Grace")
    assert fits_the_width(page)
    screenshot("campaign-sequence-phone")

    page.get_by_role("link", name="← Spring launch").click()
    page.get_by_role("link", name="Schedule").click()
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Sat").check()
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_text("Spring launch's schedule is saved.")).to_be_visible()
    assert fits_the_width(page)

    page.get_by_test_id("start-campaign").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Active")
    expect(page.get_by_test_id("enrollment-status")).to_have_text("Active")
    assert fits_the_width(page)
    screenshot("campaign-started-phone")
