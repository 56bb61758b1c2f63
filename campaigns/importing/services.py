"""Writes of import jobs: an upload becomes a job (or, from the dashboard, a draft whose mapping the user
checks first), a draft is confirmed, a job is cancelled, a job whose worker died is queued again. Nothing
is stored for an upload that is refused.
"""

import logging
from datetime import datetime, timedelta
from functools import partial
from uuid import uuid4

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User, Workspace
from campaigns.importing import mapping as mappings
from campaigns.importing import tasks
from campaigns.importing.events import import_finished_emit
from campaigns.importing.files import delete_stored_files
from campaigns.importing.sniffing import sniff
from campaigns.importing.writers import seen_tables_drop
from campaigns.models import Campaign, ImportJob
from core.errors import Conflict, DomainError

logger = logging.getLogger(__name__)
Status = ImportJob.Status
NOT_QUEUED = (
    "The import could not be handed to the workers (the task queue did not answer). Upload the file again."
)
FILENAME_MAX_LENGTH = ImportJob._meta.get_field("filename").max_length


class FileTooLarge(DomainError):
    status_code = 413
    code = "file_too_large"

    def __init__(self, size: int) -> None:
        limit = settings.IMPORT_MAX_FILE_SIZE
        super().__init__(
            f"The file is {size / 1_000_000:,.1f} MB; imports take files of up to "
            f"{limit / 1_000_000:,.0f} MB. Split it and import the parts.",
            details={"size": size, "limit": limit},
        )


def _check_size(size: int) -> None:
    if size > settings.IMPORT_MAX_FILE_SIZE:
        raise FileTooLarge(size)


def _check_campaign(campaign: Campaign | None) -> None:
    if campaign is not None and campaign.is_archived:
        raise Conflict(
            f"{campaign.name} is archived: give it another status before importing into it.",
            details={"campaign": campaign.pk, "status": campaign.status},
        )


def _exists(workspace: Workspace, campaign: Campaign) -> bool:
    return Campaign.objects.for_workspace(workspace).filter(pk=campaign.pk).exists()


def _check_on_duplicate(on_duplicate: str) -> None:
    if on_duplicate not in ImportJob.OnDuplicate.values:
        raise DomainError(
            f"on_duplicate is {' or '.join(ImportJob.OnDuplicate.values)}.",
            details={"on_duplicate": [f"{on_duplicate!r} is not skip or update."]},
        )


def _mapping(
    given: object,
    headers: list[str],
    *,
    automatic: dict[str, str],
    keep_other_columns: bool,
    email_required: bool = True,
) -> dict[str, str]:
    """The mapping to use: ``given`` (checked) or else ``automatic``; it must name an email column unless
    it is a draft's, whose email column the user chooses on the mapping page."""
    chosen = automatic if given is None else mappings.validate_mapping(given, headers)
    if keep_other_columns:
        # The columns kept are checked as any mapping is (their names, at most 50 custom fields).
        chosen = mappings.validate_mapping(mappings.keep_other_columns(chosen, headers), headers)
    if email_required:
        mappings.require_email(chosen, headers, field="file" if given is None else "mapping")
    return chosen


def import_create(
    *,
    workspace: Workspace,
    user: User,
    upload: File,
    campaign: Campaign | None = None,
    mapping: object = None,
    keep_other_columns: bool = False,
    on_duplicate: str = ImportJob.OnDuplicate.SKIP,
    draft: bool = False,
) -> ImportJob:
    """A job for ``upload`` (a Django UploadedFile), queued unless ``draft``: a dashboard upload waits as a
    draft while the user checks the mapping. Refuses (before storing anything) a file over the size limit
    (413), one that is empty, not text, without data rows or without an email column, an unknown mapping
    target or column (400), and an archived campaign (409). A draft without an email column is kept: the
    mapping page asks for it, and confirming needs one."""
    _check_size(upload.size)
    _check_on_duplicate(on_duplicate)
    _check_campaign(campaign)
    sniffed = sniff(upload)
    chosen = _mapping(
        mapping,
        sniffed.headers,
        automatic=mappings.automatic_mapping(sniffed.headers, sniffed.samples),
        keep_other_columns=keep_other_columns,
        email_required=not draft or mapping is not None,
    )
    name = default_storage.save(f"imports/{workspace.pk}/{uuid4().hex}.csv", upload)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                workspace=workspace,
                campaign=campaign,
                created_by=user,
                file=name,
                # On one line: it goes into the subject of the email that says the import finished.
                filename=" ".join((upload.name or "").split())[:FILENAME_MAX_LENGTH] or "upload.csv",
                file_size=upload.size,
                encoding=sniffed.encoding,
                delimiter=sniffed.delimiter,
                headers=sniffed.headers,
                mapping=chosen,
                on_duplicate=on_duplicate,
                status=Status.DRAFT if draft else Status.QUEUED,
            )
    except BaseException as exc:
        default_storage.delete(name)
        if isinstance(exc, IntegrityError) and campaign is not None and not _exists(workspace, campaign):
            raise Http404("No campaign with that id: it was deleted during the upload.") from exc
        raise
    if not draft:
        _queue(job)
    return job


def _queue(job: ImportJob) -> None:
    """Hands the job to the workers once it is committed. If the broker refuses it, the job fails with a
    message that says so rather than waiting in the queue forever; its row and file are kept."""

    def send() -> None:
        try:
            tasks.run_import.delay(job.pk)
        except Exception:
            logger.exception("Import %s could not be queued", job.pk)
            with transaction.atomic():
                jobs = ImportJob.objects.for_workspace(job.workspace)
                if jobs.filter(pk=job.pk, status=Status.QUEUED).update(
                    status=Status.FAILED, error=NOT_QUEUED, finished_at=timezone.now()
                ):
                    import_finished_emit(jobs.get(pk=job.pk))

    transaction.on_commit(send)


def _locked(workspace: Workspace, job: ImportJob) -> ImportJob:
    """The job, locked; one deleted meanwhile (a draft past IMPORT_DRAFT_TTL_HOURS) is a 404."""
    jobs = ImportJob.objects.for_workspace(workspace).select_related("campaign")
    current = jobs.select_for_update(of=("self",)).filter(pk=job.pk).first()
    if current is None:
        raise Http404("No import with that id (an upload not confirmed within a day is deleted).")
    return current


@transaction.atomic
def import_confirm(
    *,
    workspace: Workspace,
    job: ImportJob,
    mapping: object,
    keep_other_columns: bool = False,
    on_duplicate: str = ImportJob.OnDuplicate.SKIP,
) -> ImportJob:
    """Starts a draft with the mapping the user chose."""
    job = _locked(workspace, job)
    if job.status != Status.DRAFT:
        raise Conflict(f"This import has started already ({job.get_status_display().lower()}).")
    _check_on_duplicate(on_duplicate)
    _check_campaign(job.campaign)
    job.mapping = _mapping(mapping, job.headers, automatic={}, keep_other_columns=keep_other_columns)
    job.on_duplicate, job.status = on_duplicate, Status.QUEUED
    job.save(update_fields=["mapping", "on_duplicate", "status"])
    _queue(job)
    return job


@transaction.atomic
def import_discard(*, workspace: Workspace, job: ImportJob) -> None:
    """Deletes a draft (an upload whose mapping was never confirmed) and, once that is committed, its
    file: it imported nothing, so nothing of it is kept. One that has started is a 409."""
    job = _locked(workspace, job)
    if job.status != Status.DRAFT:
        raise Conflict(f"This import has started already ({job.get_status_display().lower()}).")
    name = job.file.name
    job.delete()
    transaction.on_commit(lambda: delete_stored_files([name]))


@transaction.atomic
def import_cancel(*, workspace: Workspace, job: ImportJob) -> ImportJob:
    """Stops a job between two chunks (rows already committed stay)."""
    job = _locked(workspace, job)
    if job.is_finished:
        raise Conflict(
            f"This import is {job.get_status_display().lower()} already.", details={"status": job.status}
        )
    job.status, job.finished_at = Status.CANCELLED, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    import_finished_emit(job)
    return job


def import_files_purge(*, now: datetime | None = None) -> tuple[int, int]:
    """Deletes what uploads leave behind, for every workspace (a periodic task): drafts whose mapping was
    never confirmed within ``IMPORT_DRAFT_TTL_HOURS``, with their files, and the stored file of an import
    finished more than ``IMPORT_FILE_RETENTION_DAYS`` ago (the job, its counts and the row numbers and
    reasons of its error report stay). A file is deleted after the rows that name it are committed: a
    failure leaves a stray file, never a job whose file is gone. Also drops the working table a run that
    died left behind once its job is over (``writers.seen_tables_drop``). Returns (drafts, files) deleted."""
    now = now or timezone.now()
    jobs = ImportJob.objects.unscoped()
    draft_cutoff = now - timedelta(hours=settings.IMPORT_DRAFT_TTL_HOURS)
    with transaction.atomic():
        # A draft being confirmed right now is locked by import_confirm: it is left alone.
        drafts = dict(
            jobs.select_for_update(skip_locked=True)
            .filter(status=Status.DRAFT, created_at__lt=draft_cutoff)
            .values_list("pk", "file")
        )
        jobs.filter(pk__in=drafts).delete()
    with transaction.atomic():
        old = dict(
            jobs.select_for_update(skip_locked=True)
            .filter(
                status__in=[Status.SUCCEEDED, Status.FAILED, Status.CANCELLED],
                finished_at__lt=now - timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS),
            )
            .exclude(file="")
            .values_list("pk", "file")
        )
        jobs.filter(pk__in=old).update(file="")
    delete_stored_files([*drafts.values(), *old.values()])
    seen_tables_drop()
    return len(drafts), len(old)


def stalled_imports_requeue() -> list[int]:
    """Queues again every running import whose run has not beaten for ``IMPORT_HEARTBEAT_TIMEOUT_SECONDS``
    (for every workspace; a periodic task): its worker died, and the broker would hand its task out again
    only after ``CELERY_VISIBILITY_TIMEOUT``. The job is let go (no runner: the job's page says it is
    resuming), so the next delivery of its task takes it over and goes on from its checkpoint. Its
    heartbeat is set to now: a job no worker has taken yet is queued once per timeout, not on every run of
    this task. Returns the ids of the jobs queued."""
    with transaction.atomic():
        # A job whose chunk is being committed is locked by a run that is alive: it is skipped.
        stalled = list(
            ImportJob.objects.unscoped()
            .select_for_update(skip_locked=True)
            .filter(status=Status.RUNNING)
            .filter(Q(heartbeat_at__lt=ImportJob.heartbeat_cutoff()) | Q(heartbeat_at__isnull=True))
            .values_list("pk", flat=True)
        )
        ImportJob.objects.unscoped().filter(pk__in=stalled).update(runner=None, heartbeat_at=timezone.now())
        for job_id in stalled:
            logger.warning("Import %s stopped beating (its worker died?): queued again", job_id)
            transaction.on_commit(partial(tasks.run_import.delay, job_id), robust=True)
    return stalled
