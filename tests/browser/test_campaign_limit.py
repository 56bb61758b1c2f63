import re

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser


def emails(prefix, count):
    return "\n".join(f"{prefix}{number}@example.com" for number in range(count))


def paste_and_add(page, text):
    page.get_by_label("Paste emails").fill(text)
    page.get_by_role("button", name="Add these emails").click()


def test_a_full_campaign_refuses_one_more_with_the_numbers_and_takes_it_after_a_removal(page, screenshot):
    user = UserFactory(email="ada@example.com")
    WorkspaceFactory(name="Analytical Engines", owner=user)  # a trial: 250 active leads

    page.goto("/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_label("Name").fill("Spring launch")
    page.get_by_role("button", name="Create the campaign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring launch")

    paste_and_add(page, emails("lead", 250))
    expect(page.get_by_text("Added 250 contacts.")).to_be_visible()
    expect(page.get_by_test_id("campaign-lead-count")).to_have_text("250")
    expect(page.get_by_test_id("active-leads-available")).to_have_text("0")
    screenshot("campaign-full")

    paste_and_add(page, "one.more@example.com")
    refusal = page.locator("#over-limit")
    expect(refusal).to_contain_text("Only 0 of 1 fit: 0 of 250 active leads are free. Nothing was added.")
    expect(refusal.get_by_role("link", name="upgrade your plan")).to_be_visible()
    expect(refusal.get_by_role("button")).to_have_count(0)
    expect(page.get_by_test_id("campaign-lead-count")).to_have_text("250")
    screenshot("campaign-refusal")

    page.get_by_label("Select lead249@example.com").check()
    page.get_by_label("Select lead248@example.com").check()
    page.get_by_role("button", name="Remove selected").click()
    expect(page.get_by_text("Removed 2 contacts from Spring launch.")).to_be_visible()
    expect(page.get_by_test_id("active-leads-available")).to_have_text("2")

    # Found as you type (htmx), ticked and added back.
    page.get_by_label("Find contacts to add").press_sequentially("lead249@")
    expect(page.locator("#find-results")).to_contain_text("lead249@example.com")
    page.locator("#find-results").get_by_role("checkbox").check()
    page.get_by_role("button", name="Add selected").click()
    expect(page.get_by_text("Added 1 contact.")).to_be_visible()
    expect(page.get_by_test_id("active-leads-available")).to_have_text("1")

    paste_and_add(page, "one.more@example.com\nand.another@example.com")
    expect(page.locator("#over-limit")).to_contain_text("Only 1 of 2 fit: 1 of 250 active leads are free.")
    screenshot("campaign-only-some-fit")
    page.get_by_role("button", name="Add the 1 that fit").click()

    expect(page.get_by_text("Added 1 contact. 1 did not fit under the active-leads limit")).to_be_visible()
    expect(page.get_by_test_id("campaign-lead-count")).to_have_text("250")
    expect(page.get_by_test_id("active-leads-used")).to_have_text("250")
    expect(page.locator("#leads")).to_contain_text("one.more@example.com")
    screenshot("campaign-partial")
