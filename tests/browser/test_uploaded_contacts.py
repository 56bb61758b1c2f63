import re

import pytest
from playwright.sync_api import expect

from billing import services
from tests.billing.factories import take_slots
from tests.factories import DEFAULT_PASSWORD, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser


def test_settings_uploaded_contacts_shows_the_active_leads_credit_of_the_workspace(page, screenshot):
    user = UserFactory(email="grace@example.com")
    workspace = WorkspaceFactory(name="Compilers Inc", owner=user)
    services.subscription_set_plan(workspace=workspace, plan_code="growth")
    take_slots(workspace, 345)
    WorkspaceFactory(name="Someone Else")

    page.goto("/login/")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Uploaded Contacts").click()

    card = page.locator("#active-leads-credit")
    expect(card.get_by_role("heading")).to_have_text("Active Leads Credit")
    expect(page.get_by_test_id("uploaded-used")).to_have_text("345")
    expect(page.get_by_test_id("uploaded-limit")).to_have_text("1,200")
    expect(page.get_by_test_id("uploaded-available")).to_have_text("855")
    screenshot("uploaded-contacts")

    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Billing").click()
    expect(page.locator(".plan.current h4")).to_have_text("Growth")
    screenshot("billing")
