import csv
import io
import re

import pytest
from playwright.sync_api import expect

from leadfinder import services
from tests.factories import DEFAULT_PASSWORD, UserFactory, WorkspaceFactory, make_prospects

pytestmark = pytest.mark.browser


def test_search_with_two_filters_preview_the_cost_download_and_find_the_file_and_contacts(page, screenshot):
    user = UserFactory(email="ada@example.com")
    workspace = WorkspaceFactory(name="Analytical Engines", owner=user)
    german_vps = make_prospects(4, seniority="vp", country="DE", city="Berlin", job_title="VP of Sales")
    make_prospects(3, seniority="vp", country="FR", city="Paris")
    make_prospects(3, seniority="manager", country="DE", city="Munich")
    services.download_create(workspace=workspace, prospect_ids=[german_vps[0].pk])  # 99 credits left

    page.goto("/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("lead-credits-balance")).to_have_text("99")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lead Finder").click()
    filters = page.locator("#filters")
    filters.get_by_text("Seniority").click()
    filters.get_by_label("Vice President").check()
    filters.get_by_text("Country").click()
    filters.get_by_label("Germany").check()
    filters.get_by_role("button", name="Search").click()

    expect(page.get_by_test_id("result-count")).to_have_text("4 prospects")
    rows = page.locator("table.prospects tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator(".badge.owned")).to_have_count(1)
    assert german_vps[1].email not in page.content()
    chosen = german_vps[:3]
    for prospect in chosen:
        page.locator(f'tr[data-prospect-id="{prospect.pk}"] input[type=checkbox]').check()
    screenshot("lead-finder-1-search")

    page.get_by_role("button", name="Preview cost").click()
    summary = page.get_by_test_id("cost-summary")
    expect(summary).to_contain_text("3 prospects: uses 2 credits, you have 99; 1 already owned is free.")
    screenshot("lead-finder-2-preview")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV of 3 for 2 credits").click()
    content = download_info.value.path().read_text()
    emails = [row["email"] for row in csv.DictReader(io.StringIO(content))]
    assert sorted(emails) == sorted(prospect.email for prospect in chosen)

    page.get_by_role("navigation", name="Lead Finder").get_by_role("link", name="Downloads").click()
    screenshot("lead-finder-3-downloads")
    expect(page.get_by_role("link", name="CSV of 3")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    for prospect in chosen:
        expect(page.get_by_role("link", name=prospect.email)).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_test_id("lead-credits-balance")).to_have_text("97")
