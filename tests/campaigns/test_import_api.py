"""/api/v1/imports (API.md): upload (202, the job), follow, list, cancel, the error report."""

import csv
import io

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from campaigns.importing import tasks
from campaigns.importing.pipeline import run_import_job
from campaigns.importing.services import NOT_QUEUED
from campaigns.models import Campaign, ImportJob
from core.errors import DomainError
from leads.models import Lead
from tests.campaigns.import_helpers import csv_text, start_import, upload
from tests.factories import CampaignFactory
from tests.unchanged import nothing_changes

JOB_FIELDS = {
    "id",
    "status",
    "campaign",
    "campaign_name",
    "filename",
    "on_duplicate",
    "mapping",
    "encoding",
    "delimiter",
    "rows_total",
    "rows_processed",
    "created",
    "updated",
    "enrolled",
    "already_in_campaign",
    "duplicates",
    "invalid",
    "over_limit",
    "suppressed",
    "progress",
    "error",
    "errors_url",
    "created_at",
    "started_at",
    "finished_at",
}
CONTENT = "Email,First Name,Company\nann@example.com,Ann,Acme\nbob@example.com,Bob,Globex\nnope,X,Y\n"


def post(client, content=CONTENT, name="leads.csv", **fields):
    return client.post("/api/v1/imports", {"file": upload(content, name), **fields}, format="multipart")


def stored_files():
    return default_storage.listdir("imports")[0] if default_storage.exists("imports") else []


def test_an_upload_is_accepted_queued_and_then_imported(
    member_api_client, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as enqueued:
        response = post(member_api_client)

    assert response.status_code == 202
    job = response.json()
    assert set(job) == JOB_FIELDS
    assert (job["status"], job["campaign"], job["rows_total"], job["progress"], job["error"]) == (
        "queued",
        None,
        None,
        0.0,
        None,
    )
    assert job["campaign_name"] is None
    assert job["mapping"] == {"Email": "email", "First Name": "first_name", "Company": "company_name"}
    assert (job["filename"], job["encoding"], job["delimiter"], job["on_duplicate"]) == (
        "leads.csv",
        "utf-8",
        ",",
        "skip",
    )
    assert job["errors_url"] == f"http://testserver/api/v1/imports/{job['id']}/errors.csv"
    assert len(enqueued) == 1

    run_import_job(job_id=job["id"])
    done = member_api_client.get(f"/api/v1/imports/{job['id']}").json()

    assert (done["status"], done["progress"], done["rows_total"], done["rows_processed"]) == (
        "succeeded",
        1.0,
        3,
        3,
    )
    assert (done["created"], done["invalid"], done["enrolled"]) == (2, 1, 0)
    assert done["started_at"] and done["finished_at"]
    assert Lead.objects.for_workspace(workspace).count() == 2


def test_an_import_into_a_campaign_with_a_mapping_and_update(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    mapping = '{"Email": "email", "Company": "custom_fields.employer"}'
    response = post(api_client, campaign=campaign.pk, mapping=mapping, on_duplicate="update")

    assert response.status_code == 202, response.json()
    run_import_job(job_id=response.json()["id"])
    job = api_client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (job["campaign"], job["on_duplicate"], job["created"], job["enrolled"]) == (
        campaign.pk,
        "update",
        2,
        2,
    )
    assert job["campaign_name"] == campaign.name
    assert Lead.objects.for_workspace(workspace).get(email="ann@example.com").custom_fields == {
        "employer": "Acme"
    }


def test_imports_are_listed_newest_first_without_drafts_or_other_workspaces(
    api_client, workspace, other_workspace
):
    first, second = start_import(workspace, CONTENT), start_import(workspace, CONTENT)
    start_import(workspace, CONTENT, draft=True)
    start_import(other_workspace, CONTENT)

    page = api_client.get("/api/v1/imports?limit=1").json()
    rest = api_client.get(page["next"]).json()

    assert [job["id"] for job in page["results"] + rest["results"]] == [second.pk, first.pk]
    assert rest["next"] is None


@pytest.mark.parametrize(
    ("content", "fields", "field", "message"),
    [
        (
            "Name,Company\nAnn,Acme\n",
            {},
            "file",
            "No column of the file holds email addresses: its headers are Name, Company.",
        ),
        ("", {}, "file", "The file is empty."),
        ("Email\n", {}, "file", "The file has a header row (Email) and no data rows under it."),
        (
            CONTENT,
            {"mapping": '{"Email": "e-mail"}'},
            "mapping",
            "'e-mail' (for 'Email') is not a lead field",
        ),
        (CONTENT, {"mapping": "{not json"}, "mapping", "Value must be valid JSON."),
        (CONTENT, {"on_duplicate": "merge"}, "on_duplicate", '"merge" is not a valid choice.'),
        (CONTENT, {"campaign": "x"}, "campaign", "A valid integer is required."),
        (CONTENT, {"colour": "red"}, "colour", "Unknown field."),
    ],
)
def test_a_bad_upload_is_a_400_that_says_why_and_nothing_is_stored(
    api_client, workspace, content, fields, field, message
):
    with nothing_changes():
        response = post(api_client, content, **fields)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"][field][0].startswith(message)
    assert not ImportJob.objects.for_workspace(workspace).exists()
    assert stored_files() == []


def test_an_upload_without_a_file_is_a_400(api_client):
    with nothing_changes():
        response = api_client.post("/api/v1/imports", {"on_duplicate": "skip"}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["file"]


def test_a_file_over_the_limit_is_a_413_before_or_after_the_body_is_read(api_client, workspace, settings):
    settings.IMPORT_MAX_FILE_SIZE = 50
    with nothing_changes():
        huge = post(api_client, "Email\n" + "a@example.com\n" * 10_000)
        over_by_a_little = post(api_client, CONTENT)

    for response in (huge, over_by_a_little):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "file_too_large"
        assert response.json()["error"]["details"]["limit"] == 50
    assert over_by_a_little.json()["error"]["details"]["size"] == len(CONTENT)
    assert not ImportJob.objects.for_workspace(workspace).exists()
    assert stored_files() == []


def test_another_workspaces_campaign_is_a_404_and_an_archived_one_a_409(
    api_client, workspace, other_workspace
):
    theirs = CampaignFactory(workspace=other_workspace)
    archived = CampaignFactory(workspace=workspace, status=Campaign.Status.ARCHIVED)

    with nothing_changes():
        assert post(api_client, campaign=theirs.pk).json()["error"]["code"] == "not_found"
        conflict = post(api_client, campaign=archived.pk)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["details"] == {"campaign": archived.pk, "status": "archived"}
    assert not ImportJob.objects.for_workspace(workspace).exists()


def test_the_same_idempotency_key_replays_the_first_answer_and_imports_once(api_client, workspace):
    first = api_client.post(
        "/api/v1/imports", {"file": upload(CONTENT)}, format="multipart", HTTP_IDEMPOTENCY_KEY="import-1"
    )
    again = api_client.post(
        "/api/v1/imports", {"file": upload(CONTENT)}, format="multipart", HTTP_IDEMPOTENCY_KEY="import-1"
    )
    other_file = api_client.post(
        "/api/v1/imports",
        {"file": upload(CONTENT + "cid@example.com,C,D\n")},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="import-1",
    )

    assert (first.status_code, again.status_code, other_file.status_code) == (202, 202, 422)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ImportJob.objects.for_workspace(workspace).count() == 1


def test_cancelling_a_queued_job_and_then_again(api_client, workspace):
    job = start_import(workspace, CONTENT)

    cancelled = api_client.post(f"/api/v1/imports/{job.pk}/cancel")
    with nothing_changes():
        again = api_client.post(f"/api/v1/imports/{job.pk}/cancel")

    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert cancelled.json()["finished_at"]
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_the_error_report_is_csv_whatever_accept_says(api_client, workspace):
    job = start_import(workspace, csv_text([["Email", "Note"], ["ok@example.com", "x"], ["=1+1", "@cmd"]]))
    run_import_job(job_id=job.pk)

    response = api_client.get(f"/api/v1/imports/{job.pk}/errors.csv", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["row_number", "reason", "warnings", "Email", "Note"]
    assert rows[1][0] == "3" and rows[1][2:] == ["", "'=1+1", "'@cmd"]


def test_a_draft_is_not_an_api_job(api_client, workspace):
    draft = start_import(workspace, CONTENT, draft=True)

    assert api_client.get(f"/api/v1/imports/{draft.pk}").status_code == 404


def test_the_openapi_document_describes_the_imports(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    upload_body = schema["paths"]["/api/v1/imports"]["post"]["requestBody"]["content"]
    assert set(upload_body) == {"multipart/form-data"}
    job = schema["components"]["schemas"]["ImportJob"]
    assert set(job["properties"]) == JOB_FIELDS
    assert "earlier row of the file" in job["properties"]["duplicates"]["description"]
    assert schema["components"]["schemas"]["ImportJobStatusEnum"]["enum"] == [
        "queued",
        "running",
        "succeeded",
        "failed",
        "cancelled",
    ]


@pytest.mark.parametrize("authorization", ["Bearer lp_not_a_key", None], ids=["wrong-key", "no-key"])
def test_an_upload_without_a_valid_key_is_a_401_even_when_too_large(settings, db, authorization):
    settings.IMPORT_MAX_FILE_SIZE = 50
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = post(client, "Email\n" + "a@example.com\n" * 10_000)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_job_the_task_queue_refuses_fails_saying_so_and_keeps_its_file(
    api_client, workspace, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(job_id):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(tasks.run_import, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client)

    assert response.status_code == 202
    job = ImportJob.objects.for_workspace(workspace).get()
    assert (job.status, job.error) == (ImportJob.Status.FAILED, NOT_QUEUED)
    assert len(stored_files()) == 1


def test_keeping_other_columns_is_held_to_the_custom_field_limit(workspace):
    headers = ["Email"] + [f"Extra {number}" for number in range(60)]
    content = csv_text([headers, ["ann@example.com"] + ["x"] * 60])

    with pytest.raises(DomainError, match="At most 50 columns can become custom fields"):
        start_import(workspace, content, keep_other_columns=True)

    assert not ImportJob.objects.for_workspace(workspace).exists()
    assert stored_files() == []


def test_an_import_outlives_its_deleted_campaign_with_its_counts_and_report(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    job = start_import(workspace, CONTENT, campaign=campaign)
    run_import_job(job_id=job.pk)

    assert api_client.delete(f"/api/v1/campaigns/{campaign.pk}").status_code == 204

    body = api_client.get(f"/api/v1/imports/{job.pk}").json()
    assert (body["status"], body["campaign"], body["created"], body["enrolled"], body["invalid"]) == (
        "succeeded",
        None,
        2,
        2,
        1,
    )
    assert body["campaign_name"] == f"{campaign.name} (deleted)"
    report = api_client.get(f"/api/v1/imports/{job.pk}/errors.csv")
    assert report.status_code == 200
    assert "nope" in b"".join(report.streaming_content).decode()


def test_a_file_name_with_line_breaks_is_kept_on_one_line(workspace):
    # A multipart header can carry one encoded (filename*=UTF-8''…%0A…); it goes into an email subject.
    job = start_import(workspace, CONTENT, name="leads\r\nBcc: x@example.com.csv")

    assert job.filename == "leads Bcc: x@example.com.csv"


def test_a_file_with_cr_line_endings_is_accepted_and_every_row_imported(api_client, workspace):
    content = b'Email,First Name,Company\rann@example.com,Ann,"Acme\rInc"\rbob@example.com,Bob,Globex\r'
    response = post(api_client, content)

    assert response.status_code == 202
    run_import_job(job_id=response.json()["id"])
    done = api_client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (done["status"], done["rows_total"], done["created"], done["invalid"]) == ("succeeded", 2, 2, 0)
    assert Lead.objects.for_workspace(workspace).get(email="ann@example.com").company_name == "Acme Inc"


def test_a_file_whose_first_row_is_past_64_kb_is_accepted_and_imported(api_client, workspace):
    content = csv_text([["Email", "Notes"], ["ann@example.com", "n" * 200_000], ["bob@example.com", "b"]])
    response = post(api_client, content)

    assert response.status_code == 202
    run_import_job(job_id=response.json()["id"])
    done = api_client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (done["status"], done["rows_total"], done["created"]) == ("succeeded", 2, 2)


def test_a_file_of_100000_columns_without_an_email_is_a_short_400_and_nothing_is_stored(
    api_client, workspace
):
    content = csv_text([[f"Column {n}" for n in range(100_000)], [f"value {n}" for n in range(100_000)]])
    response = post(api_client, content)

    assert response.status_code == 400
    message = response.json()["error"]["details"]["file"][0]
    assert (
        "its headers are Column 0, Column 1, Column 2, Column 3, Column 4 and 99,995 more columns." in message
    )
    assert len(response.content) < 1_000
    assert not ImportJob.objects.for_workspace(workspace).exists()
    assert stored_files() == []


def test_a_quote_never_closed_is_an_invalid_row_in_the_report_and_the_rows_under_it_are_imported(
    api_client, workspace
):
    content = 'Email,First Name\nann@example.com,"Ann\nbob@example.com,Bob\ncid@example.com,Cid\n'
    response = post(api_client, content)

    assert response.status_code == 202
    run_import_job(job_id=response.json()["id"])
    done = api_client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (done["status"], done["rows_total"], done["created"], done["invalid"]) == ("succeeded", 3, 2, 1)
    report = api_client.get(f"/api/v1/imports/{done['id']}/errors.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert rows[1] == [
        "2",
        "unbalanced quote: the quote opened on line 2 of the file is not closed before the rows under it; "
        "they are read as rows of their own.",
        "",
        "ann@example.com",
        "Ann",
    ]
    assert sorted(Lead.objects.for_workspace(workspace).values_list("email", flat=True)) == [
        "bob@example.com",
        "cid@example.com",
    ]
