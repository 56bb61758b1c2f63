import csv
import re

import pytest
from playwright.sync_api import expect

from campaigns.importing.pipeline import run_import_job
from leads.models import Lead
from tests.campaigns.import_helpers import queue_nothing
from tests.factories import DEFAULT_PASSWORD, CampaignFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser

CONTENT = (
    "Email;Vorname;Firma;Colour\n"
    "ann@example.com;Ann;Acme;teal\n"
    "bob@example.com;Bob;Globex;red\n"
    '=HYPERLINK("http://evil.example");Eve;Evil;black\n'
    "ANN@example.com;Again;Acme;teal\n"
)


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "spring leads.csv"
    path.write_text(CONTENT, encoding="utf-8")
    return path


def test_upload_a_csv_on_a_campaign_adjust_the_mapping_watch_it_finish_and_get_the_report(
    page, screenshot, csv_file, monkeypatch
):
    queued = queue_nothing(monkeypatch)
    user = UserFactory(email="ada@example.com")
    workspace = WorkspaceFactory(name="Analytical Engines", owner=user)
    campaign = CampaignFactory(workspace=workspace, name="Spring launch")

    page.goto("/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_label("CSV file").set_input_files(csv_file)
    page.get_by_role("button", name="Upload and check the columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the columns of spring leads.csv")
    expect(page.get_by_text("UTF-8, separated by semicolons")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Vorname"))).to_contain_text("Ann")
    expect(page.get_by_label("What “Email” becomes")).to_have_value("email")
    page.get_by_label("What “Vorname” becomes").select_option("first_name")
    page.get_by_label("What “Firma” becomes").select_option("company_name")
    screenshot("import-mapping")
    page.get_by_role("button", name="Start the import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import of spring leads.csv")
    expect(page.get_by_test_id("import-status")).to_have_text("Queued")
    expect(page.get_by_test_id("import-percent")).to_have_text("0%")
    run_import_job(job_id=queued[0])

    # The progress bar is polled (htmx): no reload.
    expect(page.get_by_test_id("import-percent")).to_have_text("100%")
    expect(page.get_by_test_id("import-status")).to_have_text("Succeeded")
    expect(page.get_by_test_id("bucket-created")).to_have_text("2")
    expect(page.get_by_test_id("bucket-duplicates")).to_have_text("1")
    expect(page.get_by_test_id("bucket-invalid")).to_have_text("1")
    screenshot("import-summary")
    assert Lead.objects.for_workspace(workspace).get(email="ann@example.com").first_name == "Ann"

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the error report (CSV)").click()
    with open(download.value.path(), encoding="utf-8", newline="") as report:
        rows = list(csv.reader(report))
    assert rows[0] == ["row_number", "reason", "warnings", "Email", "Vorname", "Firma", "Colour"]
    assert [row[0] for row in rows[1:]] == ["4", "5"]
    assert rows[1][3:] == ['\'=HYPERLINK("http://evil.example")', "Eve", "Evil", "black"]
    assert rows[2][1] == "Same email as row 2 of this file."
