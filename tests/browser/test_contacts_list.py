"""Contacts as a working list in real Chromium (issue 16, items 2 and 3): filter, select every contact that
matches (more than a page), preview "N selected, M slots free", add those that fit, export them; and an
import over the free slots that warns first, then its kept contacts found in Contacts and added there once
slots free."""

import csv
import re

import pytest
from playwright.sync_api import expect

from billing.models import Quota
from campaigns.importing.pipeline import run_import_job
from campaigns.models import Enrollment
from leads.models import Lead
from tests.campaigns.import_helpers import queue_nothing, with_active_leads_limit
from tests.factories import (
    DEFAULT_PASSWORD,
    CampaignFactory,
    LeadFactory,
    UserFactory,
    WorkspaceFactory,
    enroll,
)

pytestmark = pytest.mark.browser


def _sign_in(page, email):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def _used(workspace):
    return Quota.objects.for_workspace(workspace).get().active_leads_used


def test_filter_select_all_that_match_preview_add_those_that_fit_then_export(page, screenshot):
    user = UserFactory(email="ada@example.com")
    workspace = with_active_leads_limit(WorkspaceFactory(name="Analytical Engines", owner=user), 30)
    spring = CampaignFactory(workspace=workspace, name="Spring launch")
    elsewhere = LeadFactory.create_batch(5, workspace=workspace, source=Lead.Source.API)
    enroll(CampaignFactory(workspace=workspace, name="Autumn"), elsewhere)  # 25 slots free
    imported = LeadFactory.create_batch(70, workspace=workspace, source=Lead.Source.IMPORT)
    _sign_in(page, user.email)

    page.goto("/contacts/")
    expect(page.get_by_test_id("contact-count")).to_have_text("75 contacts")
    page.get_by_label("Source").select_option(label="CSV import")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("contact-count")).to_have_text("70 contacts match")
    expect(page.get_by_test_id("contact-filters")).to_contain_text("added by CSV import")
    expect(page.get_by_role("checkbox", name=re.compile("^Select .+@"))).to_have_count(50)
    page.get_by_test_id("select-all-matching").check()
    page.get_by_label("Campaign to add to or remove from").select_option(label="Spring launch")
    page.get_by_role("button", name="Add to campaign…").click()

    expect(page.get_by_test_id("bulk-headline")).to_have_text("70 selected, 25 active-lead slots free.")
    expect(page.get_by_test_id("bulk-details")).to_contain_text("45 do not fit and stay in Contacts")
    assert _used(workspace) == 5  # a preview changes nothing
    screenshot("contacts-add-preview")
    page.get_by_role("button", name="Add the 25 that fit").click()

    result = page.locator(".message.warning").filter(has_text="Added 25 contacts to Spring launch.")
    expect(result).to_contain_text("45 did not fit (no active-lead slot was left) and stay in Contacts.")
    expect(page.get_by_test_id("contact-count")).to_have_text("70 contacts match")  # the filter stayed
    added = set(
        Enrollment.objects.for_workspace(workspace).filter(campaign=spring).values_list("lead_id", flat=True)
    )
    assert added == {lead.pk for lead in imported[-25:]}  # newest first
    assert _used(workspace) == 30

    page.get_by_label("Campaign").first.select_option(label="In Spring launch")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("contact-count")).to_have_text("25 contacts match")
    page.get_by_test_id("select-all-matching").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert len(rows) == 25
    assert {row["Email"] for row in rows} == {lead.email for lead in imported[-25:]}
    assert {row["Source"] for row in rows} == {"CSV import"}
    assert {row["Campaigns"] for row in rows} == {"Spring launch"}


def test_an_import_over_the_free_slots_warns_then_its_kept_contacts_are_added_from_contacts(
    page, screenshot, tmp_path, monkeypatch
):
    queued = queue_nothing(monkeypatch)
    user = UserFactory(email="ada@example.com")
    workspace = with_active_leads_limit(WorkspaceFactory(name="Analytical Engines", owner=user), 2)
    campaign = CampaignFactory(workspace=workspace, name="Spring launch")
    csv_file = tmp_path / "spring.csv"
    csv_file.write_text(
        "email\n" + "".join(f"person{n}@example.com\n" for n in range(1, 6)), encoding="utf-8"
    )
    _sign_in(page, user.email)

    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and check the columns").click()
    expect(page.get_by_test_id("import-over-limit")).to_have_text(
        "This file has 5 rows and Spring launch can take 2 more contacts: the rest will be kept as contacts, "
        "not enrolled. You can add them later from Contacts."
    )
    page.get_by_role("button", name="Start the import").click()
    run_import_job(job_id=queued[0])

    expect(page.get_by_test_id("import-kept")).to_contain_text(
        "3 contacts were kept but not enrolled in Spring launch: no slot was left for them."
    )
    page.get_by_role("link", name="See them in Contacts").click()
    expect(page.get_by_test_id("contact-count")).to_have_text("3 contacts match")
    expect(page.get_by_test_id("contact-filters")).to_contain_text("now in no campaign")

    with_active_leads_limit(workspace, 5)  # an upgrade frees three slots
    page.get_by_test_id("select-all-matching").check()
    page.get_by_label("Campaign to add to or remove from").select_option(label="Spring launch")
    page.get_by_role("button", name="Add to campaign…").click()
    expect(page.get_by_test_id("bulk-headline")).to_have_text("3 selected, 3 active-lead slots free.")
    screenshot("contacts-import-kept-preview")
    page.get_by_role("button", name="Add 3 contacts to Spring launch").click()

    expect(page.get_by_role("status").filter(has_text="Added 3 contacts to Spring launch.")).to_be_visible()
    expect(page.get_by_test_id("contact-count")).to_have_text("0 contacts match")
    assert Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).count() == 5
    assert _used(workspace) == 5
