"""Issue 16's first steps in a real browser: Home puts importing first, with a sample file; a row whose
optional value is malformed is imported without it and says so (item 4); the Lead Finder says what a take
will do and, with no slot free in the chosen campaign, offers saving to contacts instead (item 7)."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from billing.models import Plan
from billing.services import subscription_set_plan
from campaigns.importing.pipeline import run_import_job
from leadfinder.models import Ownership
from leads.models import Lead
from tests.campaigns.import_helpers import queue_nothing
from tests.factories import (
    DEFAULT_PASSWORD,
    CampaignFactory,
    LeadFactory,
    UserFactory,
    WorkspaceFactory,
    enroll,
    make_prospects,
)

pytestmark = pytest.mark.browser


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_home_starts_with_an_import_and_a_malformed_optional_value_costs_no_contact(
    page, screenshot, tmp_path, monkeypatch
):
    queued = queue_nothing(monkeypatch)
    user = UserFactory(email="ada@example.com")
    workspace = WorkspaceFactory(name="Analytical Engines", owner=user)
    log_in(page, "ada@example.com")

    steps = page.locator("#get-started ~ ol > li h3")
    expect(steps.first).to_have_text("1. Import your leads")
    with page.expect_download() as download:
        page.get_by_test_id("step-import").get_by_role("link", name="Download a sample CSV").click()
    sample = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert sample and all("@" in row["Email"] for row in sample)
    screenshot("first-steps-home")

    upload = tmp_path / "leads.csv"
    upload.write_text(
        "Email,First name,Website\n"
        "ann@example.com,Ann,https://acme.example\n"
        "bob@example.com,Bob,not a web address\n",
        encoding="utf-8",
    )
    page.get_by_test_id("step-import").get_by_role("button", name="Import a CSV").click()
    page.get_by_label("CSV file").set_input_files(upload)
    page.get_by_role("button", name="Upload and check the columns").click()
    page.get_by_role("button", name="Start the import").click()
    run_import_job(job_id=queued[0])

    expect(page.get_by_test_id("import-status")).to_have_text("Succeeded")
    expect(page.get_by_test_id("bucket-created")).to_have_text("2")
    expect(page.get_by_test_id("bucket-invalid")).to_have_text("0")
    expect(page.get_by_text(re.compile(r"Row 3: imported without .*website", re.IGNORECASE))).to_be_visible()
    screenshot("first-steps-import-warning")
    bob = Lead.objects.for_workspace(workspace).get(email="bob@example.com")
    assert (bob.first_name, bob.website) == ("Bob", "")


def test_with_no_slot_free_the_lead_finder_offers_to_save_to_contacts_instead(page, screenshot):
    user = UserFactory(email="ada@example.com")
    workspace = WorkspaceFactory(name="Analytical Engines", owner=user)
    small = Plan.objects.create(
        code="tiny", name="Tiny", active_leads_limit=1, monthly_lead_credits=100, price_cents=0
    )
    subscription_set_plan(workspace=workspace, plan_code=small.code)
    campaign = CampaignFactory(workspace=workspace, name="Full house")
    enroll(campaign, [LeadFactory(workspace=workspace)])
    prospects = make_prospects(3, country="DE")
    log_in(page, "ada@example.com")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lead Finder").click()
    for prospect in prospects:
        page.locator(f'tr[data-prospect-id="{prospect.pk}"] input[type=checkbox]').check()
    page.get_by_label("Add to campaign").select_option(label="Full house")
    page.get_by_role("button", name="Preview cost").click()

    offer = page.get_by_test_id("save-instead")
    expect(offer).to_contain_text("Full house has no active-lead slot free.")
    screenshot("first-steps-save-instead")
    offer.get_by_role("button", name="Save 3 to contacts for 3 credits").click()

    expect(page.locator(".message").first).to_be_visible()
    assert Ownership.objects.for_workspace(workspace).count() == 3
    assert not campaign.enrollments.filter(lead__email__in=[p.email for p in prospects]).exists()
