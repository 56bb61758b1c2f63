"""The dashboard's import flow: upload on a campaign's page (or the Imports page, into contacts), check
the mapping against sample values, confirm, follow the progress bar, read the summary, get the report;
Home lists the imports the user started."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from campaigns.importing import services
from campaigns.importing.forms import NO_EMAIL_COLUMN
from campaigns.importing.pipeline import run_import_job
from campaigns.importing.sniffing import FileRefused
from campaigns.models import ImportJob
from core.errors import Conflict
from leads.models import Lead
from tests.campaigns.import_helpers import run_import, start_import, upload, with_active_leads_limit
from tests.factories import CampaignFactory, MembershipFactory, owner_of
from tests.unchanged import nothing_changes

CONTENT = (
    "E-mail;Vorname;Company;Colour\nann@example.com;Ann;Acme;teal\nbob@example.com;Bob;Globex;red\n"
    "nope;X;Y;Z\n"
)


@pytest.fixture
def client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def test_the_campaign_page_offers_the_import(client, workspace):
    campaign = CampaignFactory(workspace=workspace)

    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()

    assert 'id="import"' in page
    assert f'action="/campaigns/{campaign.pk}/import/"' in page
    assert 'enctype="multipart/form-data"' in page


def test_upload_check_the_mapping_confirm_and_follow_it_to_the_summary(
    client, workspace, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(workspace=workspace, name="Spring launch")

    uploaded = client.post(f"/campaigns/{campaign.pk}/import/", {"file": upload(CONTENT, "spring.csv")})
    job = ImportJob.objects.for_workspace(workspace).get()
    assert uploaded.url == f"/imports/{job.pk}/mapping/"
    assert job.status == ImportJob.Status.DRAFT

    mapping_page = client.get(uploaded.url).content.decode()
    assert "UTF-8, separated by semicolons" in mapping_page
    for sample in ("ann@example.com", "bob@example.com", "teal", "Globex"):
        assert sample in mapping_page
    assert '<option value="email" selected>' in mapping_page

    with django_capture_on_commit_callbacks() as enqueued:
        confirmed = client.post(
            uploaded.url,
            {
                "column_0": "email",
                "column_1": "first_name",
                "column_2": "",
                "column_3": "custom_fields.Colour",
                "on_duplicate": "skip",
            },
        )
    job.refresh_from_db()
    assert confirmed.url == f"/imports/{job.pk}/"
    assert (job.status, job.mapping) == (
        "queued",
        {"E-mail": "email", "Vorname": "first_name", "Colour": "custom_fields.Colour"},
    )
    assert len(enqueued) == 1

    polling = client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in polling
    assert 'data-testid="import-percent">0%' in polling

    run_import_job(job_id=job.pk)
    summary = client.get(f"/imports/{job.pk}/").content.decode()
    assert "hx-trigger" not in summary
    assert 'data-testid="import-percent">100%' in summary
    assert 'data-testid="bucket-created">2<' in summary
    assert 'data-testid="bucket-invalid">1<' in summary
    assert "Row 4: Email: &#x27;nope&#x27; is not a valid email address" in summary
    assert f'href="/imports/{job.pk}/errors.csv"' in summary
    assert Lead.objects.for_workspace(workspace).get(email="ann@example.com").custom_fields == {
        "Colour": "teal"
    }

    report = client.get(f"/imports/{job.pk}/errors.csv")
    assert b"".join(report.streaming_content).decode().splitlines()[1].startswith("4,")


def test_keeping_the_other_columns_as_custom_fields(client, workspace):
    uploaded = client.post("/imports/", {"file": upload(CONTENT)})
    job = ImportJob.objects.for_workspace(workspace).get()
    client.post(
        uploaded.url,
        {
            "column_0": "email",
            "column_1": "",
            "column_2": "company_name",
            "column_3": "",
            "keep_other_columns": "on",
            "on_duplicate": "update",
        },
    )
    job.refresh_from_db()

    assert job.campaign is None
    assert job.on_duplicate == "update"
    assert job.mapping == {
        "E-mail": "email",
        "Company": "company_name",
        "Vorname": "custom_fields.Vorname",
        "Colour": "custom_fields.Colour",
    }


def test_a_mapping_without_an_email_column_is_refused_on_the_page_and_queues_nothing(
    client, workspace, django_capture_on_commit_callbacks
):
    client.post("/imports/", {"file": upload(CONTENT)})
    job = ImportJob.objects.for_workspace(workspace).get()

    with nothing_changes(), django_capture_on_commit_callbacks() as enqueued:
        response = client.post(
            f"/imports/{job.pk}/mapping/", {"column_0": "first_name", "on_duplicate": "skip"}
        )

    assert response.status_code == 200
    assert NO_EMAIL_COLUMN in response.content.decode()
    assert enqueued == []
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DRAFT


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty."),
        ("email\n", "The file has a header row (email) and no data rows under it."),
    ],
)
def test_a_file_that_cannot_be_imported_says_why_on_the_campaign_page(client, workspace, content, message):
    campaign = CampaignFactory(workspace=workspace)

    response = client.post(f"/campaigns/{campaign.pk}/import/", {"file": upload(content)}, follow=True)

    assert response.redirect_chain[-1][0] == f"/campaigns/{campaign.pk}/#import"
    assert message in response.content.decode()
    assert not ImportJob.objects.for_workspace(workspace).exists()


def test_the_imports_page_lists_the_workspaces_imports(client, workspace, other_workspace):
    start_import(workspace, CONTENT, name="mine.csv")
    start_import(workspace, CONTENT, name="waiting.csv", draft=True)
    start_import(other_workspace, CONTENT, name="theirs.csv")

    page = client.get("/imports/").content.decode()

    assert "mine.csv" in page and "waiting.csv" in page and "theirs.csv" not in page
    assert "Waiting for its column mapping" in page
    assert "Import into contacts" in page


def test_cancelling_from_the_page(client, workspace):
    job = start_import(workspace, CONTENT)

    response = client.post(f"/imports/{job.pk}/cancel/", follow=True)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert "is cancelled; rows already imported stay." in response.content.decode()


@pytest.mark.parametrize("into_campaign", [True, False])
def test_discarding_an_upload_deletes_it_and_its_file(
    client, workspace, into_campaign, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(workspace=workspace) if into_campaign else None
    job = start_import(workspace, CONTENT, campaign=campaign, draft=True, name="oops.csv")
    assert default_storage.exists(job.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/cancel/", follow=True)

    assert "The upload of oops.csv is discarded." in response.content.decode()
    expected = f"/campaigns/{campaign.pk}/" if into_campaign else "/imports/"
    assert response.redirect_chain[-1][0] == expected
    assert not ImportJob.objects.for_workspace(workspace).exists()
    assert not default_storage.exists(job.file.name)
    assert "oops.csv" not in client.get("/imports/").content.decode()


def test_discarding_an_upload_confirmed_meanwhile_is_refused_and_keeps_it(client, workspace):
    job = start_import(workspace, CONTENT, draft=True)
    draft_seen_by_the_view = ImportJob.objects.for_workspace(workspace).get(pk=job.pk)
    services.import_confirm(workspace=workspace, job=job, mapping={"E-mail": "email"})

    with nothing_changes(), pytest.raises(Conflict, match="has started already"):
        services.import_discard(workspace=workspace, job=draft_seen_by_the_view)

    assert ImportJob.objects.for_workspace(workspace).get(pk=job.pk).status == ImportJob.Status.QUEUED
    assert default_storage.exists(job.file.name)


def test_home_shows_the_finished_imports_of_the_user_who_started_them(client, workspace):
    owner = owner_of(workspace)
    mine = start_import(workspace, CONTENT, user=owner, name="mine.csv")
    colleagues = start_import(
        workspace, CONTENT, user=MembershipFactory(workspace=workspace).user, name="theirs.csv"
    )
    running = start_import(workspace, CONTENT, user=owner, name="running.csv")
    for job in (mine, colleagues):
        run_import_job(job_id=job.pk)

    home = client.get("/").content.decode()

    assert "Recent imports" in home
    assert "mine.csv" in home
    assert (
        "theirs.csv" not in home
        and running.filename not in home.split("Recent imports")[1].split("Get started")[0]
    )


def test_deleting_a_campaign_says_its_imports_stay_and_they_do_under_its_name(client, workspace):
    campaign = CampaignFactory(workspace=workspace, name="Winter leads")
    done = start_import(workspace, CONTENT, campaign=campaign, name="winter.csv")
    run_import_job(job_id=done.pk)
    start_import(workspace, CONTENT, campaign=campaign, name="late.csv")

    confirmation = client.get(f"/campaigns/{campaign.pk}/delete/").content.decode()
    assert "Its 2 imports stay under Imports, with their error reports; the 1 not finished is cancelled" in (
        confirmation
    )
    client.post(f"/campaigns/{campaign.pk}/delete/")

    imports = client.get("/imports/").content.decode()
    assert "winter.csv" in imports and "late.csv" in imports
    assert imports.count("Winter leads (deleted)") == 2
    detail = client.get(f"/imports/{done.pk}/").content.decode()
    assert "the campaign <strong>Winter leads (deleted)</strong>" in detail
    assert "Already in the campaign" in detail
    assert client.get(f"/imports/{done.pk}/errors.csv").status_code == 200


def test_a_file_with_cr_line_endings_is_uploaded_checked_and_imported(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    content = b"E-mail,First Name,Colour\rann@example.com,Ann,teal\rbob@example.com,Bob,red\r"

    uploaded = client.post(f"/campaigns/{campaign.pk}/import/", {"file": upload(content, "mac.csv")})
    job = ImportJob.objects.for_workspace(workspace).get()
    assert uploaded.url == f"/imports/{job.pk}/mapping/"
    mapping_page = client.get(uploaded.url).content.decode()
    for sample in ("ann@example.com", "bob@example.com", "teal", "red"):
        assert sample in mapping_page
    client.post(
        uploaded.url,
        {"column_0": "email", "column_1": "first_name", "column_2": "", "on_duplicate": "skip"},
    )
    run_import_job(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows_total, job.created, job.enrolled) == ("succeeded", 2, 2, 2)


def test_a_file_of_100000_columns_without_an_email_is_refused_briefly_when_not_a_draft(workspace):
    content = ",".join(f"Column {n}" for n in range(100_000)) + "\n" + ",".join(["x"] * 100_000) + "\n"

    with pytest.raises(FileRefused) as refused:
        start_import(workspace, content)

    message = refused.value.message
    named = "Column 0, Column 1, Column 2, Column 3, Column 4 and 99,995 more columns."
    assert f"its headers are {named}" in message
    assert "Column 5," not in message
    assert not ImportJob.objects.for_workspace(workspace).exists()


def test_the_summary_says_why_rows_were_left_out_in_words_and_the_report_keeps_the_codes(client, workspace):
    campaign = CampaignFactory(workspace=with_active_leads_limit(workspace, 1))
    job = run_import(workspace, "email\nann@example.com\nbob@example.com\n", campaign=campaign)

    summary = client.get(f"/imports/{job.pk}/").content.decode()

    assert "Row 3: Over the active-leads limit: not enrolled" in summary
    assert "over_active_leads_limit" not in summary
    assert "· 2 rows" in summary
    report = b"".join(client.get(f"/imports/{job.pk}/errors.csv").streaming_content).decode()
    assert report.splitlines()[1].startswith('3,"over_active_leads_limit:')


def test_an_import_of_one_row_says_one_row(client, workspace):
    job = run_import(workspace, "email\nann@example.com\n")

    summary = client.get(f"/imports/{job.pk}/").content.decode()

    assert "· 1 row" in summary and "1 rows" not in summary


def test_an_import_summary_counts_one_duplicate_in_the_singular():
    assert ImportJob(created=3, duplicates=1).summary == "3 created, 1 duplicate"
    assert ImportJob(created=3, duplicates=2).summary == "3 created, 2 duplicates"


def test_the_finished_import_page_names_the_values_dropped_from_imported_rows(workspace):
    job = start_import(workspace, "Email,Website\nann@example.com,not a url\nnope,x.example\n")
    run_import_job(job_id=job.pk)
    client = Client()
    client.force_login(owner_of(workspace))

    summary = client.get(f"/imports/{job.pk}/").content.decode()

    assert "Row 2: imported without website: &#x27;not a url&#x27; is not a web address." in summary
    assert "Row 3: Email: &#x27;nope&#x27; is not a valid email address" in summary
