"""What the CSV import tests share: files as uploads, jobs run to the end in this process, a small
active-leads limit, and the invariant every finished job keeps."""

import csv
import io
from datetime import timedelta

import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing import services as billing_services
from billing.models import Plan
from campaigns.importing import services
from campaigns.importing.pipeline import ImportRun, run_import_job
from campaigns.models import Campaign, ImportJob, ImportSkippedRow
from leads.models import Lead
from leads.services import suppression_add
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, enroll

BUCKETS = ("created", "updated", "already_in_campaign", "duplicates", "invalid", "over_limit", "suppressed")


def csv_text(rows, *, delimiter=","):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def upload(content, name="leads.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def start_import(workspace, content, *, user=None, name="leads.csv", **options):
    """A queued job for ``content`` (text, UTF-8, or bytes as they are), made as the API makes it."""
    return services.import_create(workspace=workspace, user=user, upload=upload(content, name), **options)


def run_import(workspace, content, **options):
    """Uploads ``content`` and runs the job to its end in this process; returns the finished job."""
    job = start_import(workspace, content, **options)
    run_import_job(job_id=job.pk)
    return ImportJob.objects.for_workspace(workspace).get(pk=job.pk)


def nothing_written(workspace):
    """No job, no stored file and no contact: what a refused upload leaves."""
    stored = default_storage.listdir("imports")[1] if default_storage.exists("imports") else []
    return (
        not ImportJob.objects.for_workspace(workspace).exists()
        and not stored
        and not Lead.objects.for_workspace(workspace).exists()
    )


def reasons(job):
    """Row number → reason of every row the job did not import."""
    return dict(
        ImportSkippedRow.objects.for_workspace(job.workspace)
        .filter(job=job)
        .exclude(bucket=ImportSkippedRow.Bucket.IMPORTED)
        .values_list("row_number", "reason")
    )


def warnings(job):
    """Row number → the optional values dropped, of every row the report lists with warnings."""
    return dict(
        ImportSkippedRow.objects.for_workspace(job.workspace)
        .filter(job=job)
        .exclude(warnings="")
        .values_list("row_number", "warnings")
    )


def emails(workspace):
    return sorted(Lead.objects.for_workspace(workspace).values_list("email", flat=True))


def buckets(job, *, enrolled=True):
    counts = {name: getattr(job, name) for name in BUCKETS}
    if enrolled:
        counts["enrolled"] = job.enrolled
    return counts


def assert_every_row_in_one_bucket(job):
    assert sum(getattr(job, name) for name in BUCKETS) == job.rows_processed
    if job.status == ImportJob.Status.SUCCEEDED:
        assert job.rows_total == job.rows_processed


def with_active_leads_limit(workspace, limit):
    """Puts ``workspace`` on a plan of ``limit`` active leads (made for the test)."""
    plan, _ = Plan.objects.get_or_create(
        code=f"test-{limit}",
        defaults={
            "name": f"Test {limit}",
            "active_leads_limit": limit,
            "monthly_lead_credits": 0,
            "price_cents": 0,
        },
    )
    billing_services.subscription_set_plan(workspace=workspace, plan_code=plan.code)
    return workspace


def queue_nothing(monkeypatch):
    """Jobs are created without telling the broker (the test runs them itself); returns the job ids that
    would have been queued."""
    queued = []
    monkeypatch.setattr(services.tasks.run_import, "delay", queued.append)
    return queued


def mixed_file(rows=60):
    """Valid rows, invalid ones, repeats within and across chunks, contacts the workspace has."""
    lines = [["Email", "First Name", "Company", "Plan"]]
    for number in range(rows):
        if number % 7 == 3:
            lines.append([f"broken{number}", "X", "", ""])
        elif number % 11 == 5:
            lines.append([f"LEAD{number - 4}@EXAMPLE.COM", "Again", "", ""])
        elif number % 13 == 0:
            lines.append([f"known{number}@example.com", "Known", "Updated Co", "gold"])
        else:
            lines.append([f"lead{number}@example.com", f"Lead {number}", f"Co {number}", "silver"])
    return csv_text(lines)


def known_contacts(workspace, rows=60, campaign=None):
    leads = [
        LeadFactory(workspace=workspace, email=f"known{number}@example.com", company_name="Old Co")
        for number in range(0, rows, 13)
    ]
    if campaign is not None:
        enroll(campaign, leads[:2])
    return leads


class Killed(BaseException):
    """What SIGKILL does to a worker, in this process: nothing after it runs, no except clause sees it."""


def kill_after(monkeypatch, chunks):
    commit, done = ImportRun._commit, []

    def commit_then_die(self, chunk):
        if len(done) == chunks:
            raise Killed
        done.append(chunk)
        return commit(self, chunk)

    monkeypatch.setattr(ImportRun, "_commit", commit_then_die)


def after_the_heartbeat_timeout():
    """The clock of a moment when a run that beat just now is taken to have died with its worker."""
    return time_machine.travel(
        timezone.now() + timedelta(seconds=settings.IMPORT_HEARTBEAT_TIMEOUT_SECONDS + 1)
    )


def run_after_its_worker_died(job_id):
    """Delivers the job's task again once its killed run has stopped beating (as the broker or the requeue
    task does after a worker died): it takes the job over."""
    with after_the_heartbeat_timeout():
        run_import_job(job_id=job_id)


def uninterrupted_and_started(settings):
    """Two workspaces alike, each with known contacts and a campaign: in the first, ``mixed_file()`` imported
    without a crash; in the second, the same import started (queued). Returns (uninterrupted, job)."""
    settings.IMPORT_CHUNK_ROWS = 8
    uninterrupted_workspace, workspace = WorkspaceFactory(), WorkspaceFactory()
    for each in (uninterrupted_workspace, workspace):
        with_active_leads_limit(each, 40)
        known_contacts(each, campaign=CampaignFactory(workspace=each))
        # A new address and a known contact's, in different chunks: their rows are the suppressed bucket.
        suppression_add(workspace=each, values=["lead2@example.com", "known39@example.com"])
    uninterrupted = run_import(
        uninterrupted_workspace,
        mixed_file(),
        campaign=Campaign.objects.for_workspace(uninterrupted_workspace).get(),
    )
    job = start_import(workspace, mixed_file(), campaign=Campaign.objects.for_workspace(workspace).get())
    return uninterrupted, job
