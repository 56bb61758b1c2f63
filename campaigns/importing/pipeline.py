"""Runs an import job: the file is streamed in chunks, and each chunk is one transaction that locks the
workspace's quota row (quota row first, always), checks the job is still running and where it stopped,
writes the contacts, enrols them through ``campaigns.services``, records the rows not imported, and
moves the counters and the checkpoint (``last_row_number``) on (rule 14). A task that is delivered again
after its worker died re-opens the file, re-reads the committed rows only to learn which emails the
file already had, and goes on from the checkpoint: the counts come out as an uninterrupted run's.

One run holds a job at a time (``ImportJob.runner``, a lease): it beats with each chunk's checkpoint and,
between chunks, every tenth of ``IMPORT_HEARTBEAT_TIMEOUT_SECONDS``. Another delivery of the task leaves a
job whose run beats alone; it takes over one whose run stopped beating (its worker died), or that
``stalled_imports_requeue`` queued again. A run that lost its job writes nothing more.

Buckets, one per data row (rule 11):
  invalid              the row cannot be read (wrong number of columns, a quote never closed) or fails
                       normalisation
  duplicates           an earlier row of the file had the same normalised email (the first wins), or,
                       with on_duplicate=skip and no campaign, the contact exists and is left unchanged
  already_in_campaign  the contact exists and is already in the campaign
  over_limit           valid and kept (created, or updated with on_duplicate=update) as a contact, but not
                       enrolled: no active-lead slot was left (rule 10)
  suppressed           the email, or its domain, is on the workspace's suppression list (rule 20): no
                       contact is created, updated or enrolled
  created              a new contact, enrolled if a campaign was given
  updated              an existing contact that was updated (on_duplicate=update) and/or newly enrolled
``enrolled`` counts the rows newly enrolled (created or updated ones); it is not a bucket.
A row with a valid email never costs a contact for an optional value: a malformed one (a web address, a
phone number, …) is dropped, the row lands in its bucket, and the report lists it with its ``warnings``.
"""

import logging
import sys
import time
from dataclasses import dataclass
from uuid import uuid4

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from billing import services as billing_services
from campaigns import services as campaign_services
from campaigns.importing.cleaning import RowCleaner
from campaigns.importing.events import import_finished_emit
from campaigns.importing.notifications import notify_finished
from campaigns.importing.reading import ChunkProducer, UnreadableFile, prepared, read_chunks, same_email_as
from campaigns.importing.sniffing import ENCODING_NAMES
from campaigns.importing.writers import ContactWriter
from campaigns.models import Enrollment, ImportJob, ImportSkippedRow
from core.errors import DomainError
from leads.models import Lead

logger = logging.getLogger(__name__)

Status = ImportJob.Status
# Rule 10 names the case ``over_active_leads_limit``: the reason starts with it, as invalid rows' reasons
# start with their field.
OVER_LIMIT_REASON = "over_active_leads_limit: not enrolled, no active-lead slot was left (kept as a contact)."
DUPLICATES = ImportSkippedRow.Bucket.DUPLICATES
OVER_LIMIT = ImportSkippedRow.Bucket.OVER_LIMIT
IMPORTED = ImportSkippedRow.Bucket.IMPORTED
SUPPRESSED = ImportSkippedRow.Bucket.SUPPRESSED
SUPPRESSED_REASON = (
    "suppressed: the email or its domain is not to be contacted; no contact was created, changed or enrolled."
)
EXISTS_REASON = "A contact with this email exists; left unchanged (on_duplicate=skip)."
# While the reading thread parses, each answer of the database to this one waits for the GIL: a short
# switch interval (the default is 5 ms) keeps those waits from adding up to seconds.
SWITCH_INTERVAL = 0.0005
# Beats per heartbeat timeout: a run that is alive misses several before it is taken for dead.
BEATS_PER_TIMEOUT = 10


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    already_in_campaign: int = 0
    duplicates: int = 0
    invalid: int = 0
    over_limit: int = 0
    suppressed: int = 0
    enrolled: int = 0


def run_import_job(*, job_id):
    """Runs (or resumes) the job; does nothing for a job that is finished, cancelled, gone or a draft, or
    that a live run holds (another delivery of the task is running it)."""
    job = _claim(job_id)
    if job is None:
        return
    try:
        ImportRun(job).run()
    except (DomainError, UnreadableFile) as exc:
        _fail(job, str(getattr(exc, "message", exc)))
    except Exception:
        logger.exception("Import %s stopped on an unexpected error", job_id)
        _fail(job, "The import stopped on an unexpected error on our side; it has been logged.")


@transaction.atomic
def _claim(job_id):
    """The job, now held by a new run, if it may run: queued, or running with no live run holding it."""
    # The task is given the job's id alone; the job names its workspace.
    job = (
        ImportJob.objects.unscoped()
        .select_for_update(of=("self",))
        .select_related("workspace", "campaign")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.status not in (Status.QUEUED, Status.RUNNING) or job.is_held:
        return None
    now = timezone.now()
    if job.status == Status.QUEUED:
        job.status, job.started_at = Status.RUNNING, now
    elif job.last_row_number:
        logger.info("Import %s resumes after row %s (its previous run stopped)", job.pk, job.last_row_number)
    job.runner, job.heartbeat_at = uuid4(), now
    job.save(update_fields=["status", "started_at", "runner", "heartbeat_at"])
    return job


def _fail(job, message):
    with transaction.atomic():
        current = ImportJob.objects.for_workspace(job.workspace).select_for_update().filter(pk=job.pk).first()
        if current is None or current.is_finished or current.runner != job.runner:
            return
        rows_done = current.last_row_number
        done = f" Rows up to row {rows_done} of the file were imported." if rows_done > 1 else ""
        current.status, current.finished_at = Status.FAILED, timezone.now()
        current.error = f"{message}{done}"
        current.save(update_fields=["status", "finished_at", "error"])
        import_finished_emit(current)
        transaction.on_commit(lambda: notify_finished(current))


class ImportRun:
    def __init__(self, job):
        self.job = job
        self.workspace = job.workspace
        self.runner = job.runner
        self.position = job.last_row_number
        self.beat_every = settings.IMPORT_HEARTBEAT_TIMEOUT_SECONDS / BEATS_PER_TIMEOUT
        self.beaten = time.monotonic()
        self.cleaner = RowCleaner(
            job.mapping, job.headers, encoding_label=ENCODING_NAMES.get(job.encoding, job.encoding)
        )
        self.writer = ContactWriter(job, self.cleaner.fields)

    def run(self):
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            self.writer.open()
            with self.job.file.open("rb") as raw:
                chunks = read_chunks(
                    raw,
                    encoding=self.job.encoding,
                    delimiter=self.job.delimiter,
                    width=len(self.job.headers),
                    cleaner=self.cleaner,
                    chunk_rows=settings.IMPORT_CHUNK_ROWS,
                    resume_after=self.position,
                )
                with ChunkProducer(prepared(chunks, self.writer.prepare), waiting=self._beat) as produced:
                    for chunk in produced:
                        if chunk.replay:
                            if chunk.payload is not None:
                                with transaction.atomic():
                                    self.writer.remember(chunk.payload)
                            self._beat()
                        elif not self._commit(chunk):
                            return
            finished = self._finish()
        finally:
            self.writer.close()
            sys.setswitchinterval(switch_interval)
        if finished is not None:
            _analyze_what_grew(finished)

    def _beat(self):
        """Tells the requeue task this run is alive, at most every ``beat_every`` seconds (a chunk's
        checkpoint beats too). A run that lost the job (it was taken to have died) changes nothing."""
        if time.monotonic() - self.beaten < self.beat_every:
            return
        jobs = ImportJob.objects.for_workspace(self.workspace)
        jobs.filter(pk=self.job.pk, runner=self.runner).update(heartbeat_at=timezone.now())
        self.beaten = time.monotonic()

    def _lock_job(self):
        """The job row, locked, if this run may still write it: running, held by this run and where this
        run left it. Otherwise it was cancelled, deleted, or another run took it over."""
        job = (
            ImportJob.objects.for_workspace(self.workspace).select_for_update().filter(pk=self.job.pk).first()
        )
        if (
            job is None
            or job.status != Status.RUNNING
            or job.runner != self.runner
            or job.last_row_number != self.position
        ):
            return None
        return job

    @transaction.atomic
    def _commit(self, chunk):
        quota = billing_services.quota_lock(workspace=self.workspace)
        job = self._lock_job()
        if job is None:
            return False
        counts = Counts(invalid=chunk.invalid, duplicates=chunk.duplicates)
        skipped, kept = list(chunk.skipped), {}
        if chunk.payload is not None:
            self._sort(job, self.writer.write(chunk.payload), counts, skipped, kept, quota)
        warnings = self._warnings(chunk.warned, skipped) if chunk.warned else {}
        if skipped:
            self.writer.write_skipped(skipped, warnings, kept)
        for name, value in vars(counts).items():
            setattr(job, name, getattr(job, name) + value)
        job.rows_processed += chunk.rows_read
        job.last_row_number, job.bytes_processed = chunk.last_row_number, chunk.bytes_read
        job.heartbeat_at = timezone.now()
        job.save(
            update_fields=[
                *vars(counts),
                "rows_processed",
                "last_row_number",
                "bytes_processed",
                "heartbeat_at",
            ]
        )
        self.position, self.beaten = job.last_row_number, time.monotonic()
        return True

    def _warnings(self, warned, skipped):
        """The dropped values of the rows that were imported, by row; such a row that is not listed yet
        joins the report (``IMPORTED``, not a bucket: it was counted where it landed)."""
        listed = {row: bucket for row, bucket, _ in skipped}
        warnings = {}
        for row, text in warned:
            bucket = listed.get(row)
            # A duplicate (or a contact left unchanged) or a suppressed row was not imported: its values
            # went nowhere.
            if bucket in (DUPLICATES, SUPPRESSED):
                continue
            if bucket is None:
                skipped.append((row, IMPORTED, ""))
            warnings[row] = text
        return warnings

    def _sort(self, job, written, counts, skipped, kept, quota):
        """Puts each written row in its bucket, enrolling the contacts first if there is a campaign;
        ``kept`` gets the contact of each over-limit row (row → lead id), for Contacts to find them."""
        counts.duplicates += len(written.duplicates)
        skipped.extend((row, DUPLICATES, same_email_as(first)) for row, first in written.duplicates)
        counts.suppressed += len(written.suppressed)
        skipped.extend((row, SUPPRESSED, SUPPRESSED_REASON) for row in written.suppressed)
        created, existing = len(written.created_ids), len(written.existing)
        if job.campaign_id is None:
            counts.created += created
            if job.on_duplicate == ImportJob.OnDuplicate.UPDATE:
                counts.updated += existing
            else:
                counts.duplicates += existing
                skipped.extend((row, DUPLICATES, EXISTS_REASON) for row, _ in written.existing)
            return
        if not created and not existing:
            return
        # In file order, so that when slots run out the first rows of the file have them.
        rows = sorted([*zip(written.created_rows, written.created_ids, strict=True), *written.existing])
        lead_ids = [lead_id for _, lead_id in rows] if existing else written.created_ids
        result = campaign_services.enrollments_add_many(
            workspace=self.workspace,
            campaign=self.job.campaign,
            lead_ids=lead_ids,
            allow_partial=True,
            created_lead_ids=written.created_ids,
            quota=quota,
        )
        already = set(result.already_in_campaign_lead_ids)
        counts.already_in_campaign += len(already)
        counts.enrolled += result.added
        # Suppressed since the writer looked (an entry committed in between): written, but not enrolled.
        suppressed = set(result.suppressed_lead_ids)
        left_out = set(lead_ids).difference(result.added_lead_ids, already, suppressed)
        counts.over_limit += len(left_out)
        counts.suppressed += len(suppressed)
        if left_out or suppressed:
            skipped.extend(
                (row, OVER_LIMIT, OVER_LIMIT_REASON)
                if lead_id in left_out
                else (row, SUPPRESSED, SUPPRESSED_REASON)
                for row, lead_id in rows
                if lead_id in left_out or lead_id in suppressed
            )
            kept.update((row, lead_id) for row, lead_id in rows if lead_id in left_out)
        not_added = left_out | suppressed
        created_not_added = len(not_added.intersection(written.created_ids)) if not_added else 0
        counts.created += created - created_not_added
        counts.updated += existing - len(already) - (len(not_added) - created_not_added)

    @transaction.atomic
    def _finish(self):
        job = self._lock_job()
        if job is None:
            return None
        job.status, job.finished_at = Status.SUCCEEDED, timezone.now()
        job.rows_total, job.bytes_processed = job.rows_processed, job.file_size
        job.save(update_fields=["status", "finished_at", "rows_total", "bytes_processed"])
        # With the job's end, not after it: a worker that dies in between leaves no table behind.
        self.writer.close()
        import_finished_emit(job)
        transaction.on_commit(lambda: notify_finished(job))
        return job


def _analyze_what_grew(job):
    """Analyzes the contacts and the enrollments when the import wrote ``IMPORT_ANALYZE_ROWS`` or more of
    them: until autovacuum gets there, the planner takes the tables for the size they had before."""
    written = {Lead: job.created + job.updated, Enrollment: job.enrolled}
    tables = [model._meta.db_table for model, rows in written.items() if rows >= settings.IMPORT_ANALYZE_ROWS]
    if tables:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(map(connection.ops.quote_name, tables))}")
