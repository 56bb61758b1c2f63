"""Imports through a real Celery worker process, against this test database (the broker: Redis when
REDIS_URL is set, as in CI, otherwise the file-system broker under var/): an upload accepted
by the API is imported end to end, and a job whose worker is killed with SIGKILL in the middle is queued
again by the requeue task once its run stopped beating, and another worker finishes it with the counts of
an uninterrupted run (rule 14: checkpoint per chunk, one run at a time). Only the requeue can bring the
job back within the test: Redis's visibility timeout is an hour here, as in production, and the file-system
broker never redelivers."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from billing.models import Quota
from campaigns import tasks
from campaigns.importing import services
from campaigns.models import ImportJob
from campaigns.selectors import active_leads_used_by_enrollments
from leads.models import Lead
from tests.campaigns.import_helpers import (
    after_the_heartbeat_timeout,
    buckets,
    csv_text,
    run_import,
    upload,
    with_active_leads_limit,
)
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory
from tests.workers import REDIS_URL, database_url, empty_broker, wait_for

ROOT = Path(django_settings.BASE_DIR)
CHUNK_ROWS = 50
VISIBILITY_TIMEOUT = 3600

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_CHUNK_ROWS = CHUNK_ROWS
    return settings.MEDIA_ROOT


@pytest.fixture
def start_worker(media):
    """Starts `celery worker --pool=solo` processes on this test database and an emptied broker; every one
    still running is killed when the test ends."""
    empty_broker()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "DJANGO_MEDIA_ROOT": str(media),
        "IMPORT_CHUNK_ROWS": str(CHUNK_ROWS),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    workers = []

    def start():
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)


def job_now(workspace, job_id):
    return ImportJob.objects.for_workspace(workspace).get(pk=job_id)


def file_of(rows):
    """Valid rows, invalid ones, repeats across chunks and contacts the workspace has."""
    lines = [["Email", "Name"]]
    for number in range(rows):
        if number % 17 == 5:
            lines.append([f"broken{number}", "X"])
        elif number % 19 == 7:
            lines.append([f"LEAD{number - 60}@example.com", "Again"])
        elif number % 23 == 0:
            lines.append([f"known{number}@example.com", "Known"])
        else:
            lines.append([f"lead{number}@example.com", f"Lead {number}"])
    return csv_text(lines)


def prepared_workspace(rows):
    workspace = with_active_leads_limit(WorkspaceFactory(), rows // 2)
    for number in range(0, rows, 23):
        LeadFactory(workspace=workspace, email=f"known{number}@example.com")
    return workspace, CampaignFactory(workspace=workspace)


def test_an_upload_is_imported_by_a_real_worker(start_worker, api_client, workspace):
    start_worker()
    campaign = CampaignFactory(workspace=workspace)
    content = csv_text(
        [["Email", "Name"], *[[f"n{number}@example.com", "N"] for number in range(120)], ["nope", "X"]]
    )

    accepted = api_client.post(
        "/api/v1/imports", {"file": upload(content), "campaign": campaign.pk}, format="multipart"
    )
    assert accepted.status_code == 202
    job_id = accepted.json()["id"]
    wait_for(lambda: job_now(workspace, job_id).is_finished)

    job = api_client.get(f"/api/v1/imports/{job_id}").json()
    assert (job["status"], job["rows_total"], job["created"], job["enrolled"], job["invalid"]) == (
        "succeeded",
        121,
        120,
        120,
        1,
    )
    assert Lead.objects.for_workspace(workspace).count() == 120


def test_an_import_whose_worker_was_killed_is_requeued_and_another_worker_finishes_it_exactly(
    start_worker, media
):
    rows = 6_000
    content = file_of(rows)
    uninterrupted_workspace, uninterrupted_campaign = prepared_workspace(rows)
    uninterrupted = run_import(uninterrupted_workspace, content, campaign=uninterrupted_campaign)

    workspace, campaign = prepared_workspace(rows)
    worker = start_worker()
    job = services.import_create(workspace=workspace, user=None, upload=upload(content), campaign=campaign)
    wait_for(lambda: job_now(workspace, job.pk).rows_processed > 0)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    interrupted = job_now(workspace, job.pk)
    assert interrupted.status == ImportJob.Status.RUNNING
    assert 0 < interrupted.rows_processed < rows

    start_worker()
    assert tasks.requeue_stalled_imports() == []  # it beat just before it was killed
    # The beat task, run once the killed run's heartbeat is older than IMPORT_HEARTBEAT_TIMEOUT_SECONDS.
    with after_the_heartbeat_timeout():
        assert tasks.requeue_stalled_imports() == [job.pk]
    finished = wait_for(lambda: (found := job_now(workspace, job.pk)).is_finished and found, timeout=30)

    assert finished.status == ImportJob.Status.SUCCEEDED, finished.error
    assert buckets(finished) == buckets(uninterrupted)
    assert finished.rows_total == uninterrupted.rows_total == rows
    assert (
        min(uninterrupted.duplicates, uninterrupted.invalid, uninterrupted.over_limit, uninterrupted.created)
        > 0
    )
    emails = list(Lead.objects.for_workspace(workspace).values_list("email", flat=True))
    assert len(emails) == len(set(emails)) == Lead.objects.for_workspace(uninterrupted_workspace).count()
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == active_leads_used_by_enrollments(
        workspace
    )
    call_command("audit_quotas")
