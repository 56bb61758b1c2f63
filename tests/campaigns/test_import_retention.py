"""Stored uploads do not stay forever: an upload whose mapping was never confirmed goes after
IMPORT_DRAFT_TTL_HOURS with its file; a finished import keeps its job, counts and error report (row
numbers and reasons) but not its file after IMPORT_FILE_RETENTION_DAYS. Nothing of a job that may still
run is touched."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404
from django.test import Client
from django.utils import timezone

from campaigns import tasks
from campaigns.importing import services
from campaigns.importing.report import error_report_lines
from campaigns.models import ImportJob
from tests.campaigns.import_helpers import queue_nothing, run_import, start_import
from tests.factories import owner_of

CONTENT = "Email,Name\nann@example.com,Ann\nnope,X\n=cmd,Y\n"


def ago(**age):
    """The clock of ``age`` ago: what is uploaded (and run) under it is that old."""
    return time_machine.travel(timezone.now() - timedelta(**age), tick=False)


def test_a_draft_never_confirmed_goes_with_its_file_and_a_recent_or_running_one_stays(workspace, monkeypatch):
    queue_nothing(monkeypatch)
    ttl = settings.IMPORT_DRAFT_TTL_HOURS
    with ago(hours=ttl + 1):
        abandoned = start_import(workspace, CONTENT, draft=True)
    with ago(hours=ttl - 1):
        recent = start_import(workspace, CONTENT, draft=True)
    with ago(days=400):
        queued_long_ago = start_import(workspace, CONTENT)

    assert tasks.purge_import_files() == (1, 0)

    remaining = set(ImportJob.objects.for_workspace(workspace).values_list("pk", flat=True))
    assert remaining == {recent.pk, queued_long_ago.pk}
    assert not default_storage.exists(abandoned.file.name)
    assert default_storage.exists(recent.file.name) and default_storage.exists(queued_long_ago.file.name)


def test_an_old_finished_import_keeps_its_counts_and_report_reasons_but_not_its_file(workspace, monkeypatch):
    queue_nothing(monkeypatch)
    days = settings.IMPORT_FILE_RETENTION_DAYS
    with ago(days=days + 1):
        old = run_import(workspace, CONTENT)
    with ago(days=days - 1):
        recent = run_import(workspace, CONTENT.replace("ann", "bob"))
    stored = old.file.name

    assert tasks.purge_import_files() == (0, 1)
    assert tasks.purge_import_files() == (0, 0)

    old.refresh_from_db()
    assert not old.file and not default_storage.exists(stored)
    assert default_storage.exists(recent.file.name)
    assert (old.status, old.created, old.invalid) == (ImportJob.Status.SUCCEEDED, 1, 2)
    client = Client()
    client.force_login(owner_of(workspace))
    report = client.get(f"/imports/{old.pk}/errors.csv")
    assert b"".join(report.streaming_content).decode().splitlines() == [
        "row_number,reason,warnings",
        "3,email: 'nope' is not a valid email address: An email address must have an @-sign.,",
        "4,email: '=cmd' is not a valid email address: An email address must have an @-sign.,",
    ]
    page = client.get(f"/imports/{old.pk}/").content.decode()
    assert f"the uploaded file was deleted {days} days after the import" in page
    assert "the uploaded file was deleted" not in client.get(f"/imports/{recent.pk}/").content.decode()


def test_the_purge_runs_on_the_beat_schedule():
    scheduled = settings.CELERY_BEAT_SCHEDULE["purge-import-files"]
    assert scheduled["task"] == "campaigns.tasks.purge_import_files"
    assert scheduled["schedule"] <= 60 * 60


def test_a_report_asked_for_just_before_the_purge_deleted_its_file_has_the_reasons(workspace, monkeypatch):
    queue_nothing(monkeypatch)
    with ago(days=settings.IMPORT_FILE_RETENTION_DAYS + 1):
        read_before_the_purge = run_import(workspace, CONTENT)
    tasks.purge_import_files()

    lines = list(error_report_lines(workspace=workspace, job=read_before_the_purge))

    assert lines[0] == "row_number,reason,warnings\r\n"
    assert [line.split(",")[0] for line in lines[1:]] == ["3", "4"]


def test_confirming_or_opening_a_draft_the_purge_deleted_is_a_404(workspace, monkeypatch):
    queue_nothing(monkeypatch)
    with ago(hours=settings.IMPORT_DRAFT_TTL_HOURS + 1):
        draft = start_import(workspace, CONTENT, draft=True)
    tasks.purge_import_files()

    with pytest.raises(Http404):
        services.import_confirm(workspace=workspace, job=draft, mapping={"Email": "email"})
    client = Client()
    client.force_login(owner_of(workspace))
    assert client.get(f"/imports/{draft.pk}/mapping/").status_code == 404


def test_the_mapping_page_of_a_draft_whose_file_vanished_is_a_404(workspace, monkeypatch):
    queue_nothing(monkeypatch)
    draft = start_import(workspace, CONTENT, draft=True)
    default_storage.delete(draft.file.name)  # the purge got to the file after the page read the job
    client = Client()
    client.force_login(owner_of(workspace))

    assert client.get(f"/imports/{draft.pk}/mapping/").status_code == 404
