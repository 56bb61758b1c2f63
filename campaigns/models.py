"""Campaigns and their enrollments. Fields and constraints only: ``campaigns.services`` is the one door
that creates or deletes enrollments (DESIGN.md, "two doors")."""

from datetime import time, timedelta
from typing import Self

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from core.tenancy import ScopedManager, TenantModel, TenantQuerySet


def weekdays():
    return [1, 2, 3, 4, 5]


class CampaignStatus(models.TextChoices):
    """Every status but archived counts towards active leads (rule 2)."""

    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


class Campaign(TenantModel):
    Status = CampaignStatus

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Enrollments of this campaign, kept by campaigns.services in the transaction that changes them,
    # so lists never count a million rows.
    lead_count = models.PositiveIntegerField(default=0)
    # When it may send (rule 18): ISO weekdays (1 = Monday) and a start and end time, in its timezone.
    schedule_timezone = models.CharField(max_length=64, default="UTC")
    schedule_days = ArrayField(models.PositiveSmallIntegerField(), default=weekdays, size=7)
    schedule_start = models.TimeField(default=time(9))
    schedule_end = models.TimeField(default=time(17))
    # A reply ends the lead's sequence (read from the mailboxes over IMAP).
    stop_on_reply = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(schedule_days__contained_by=[1, 2, 3, 4, 5, 6, 7]),
                name="campaign_schedule_days_valid",
            ),
            models.CheckConstraint(
                condition=Q(schedule_start__lt=F("schedule_end")), name="campaign_schedule_start_before_end"
            ),
            # Lists walk it newest first; enrollments reference (workspace, id) (migration 0003).
            models.UniqueConstraint(fields=["workspace", "id"], name="campaign_id_unique_per_workspace"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_archived(self):
        return self.status == self.Status.ARCHIVED


class Step(TenantModel):
    """One message of a campaign's sequence, sent ``delay_days`` after the one before it (the first: at the
    next chance once the lead is enrolled). An empty subject threads under the first step's subject
    ("Re: …"). Steps are ordered by ``position`` (1, 2, …), kept contiguous by ``campaigns.services``."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    delay_days = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(365)])
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            # Deferred: moving a step renumbers its neighbours in one transaction.
            models.UniqueConstraint(
                fields=["campaign", "position"],
                name="step_position_unique_per_campaign",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="step_position_from_one"),
            models.CheckConstraint(condition=Q(delay_days__lte=365), name="step_delay_at_most_a_year"),
        ]

    def __str__(self):
        return f"Step {self.position} of {self.campaign_id}"


class EnrollmentStatus(models.TextChoices):
    """Where a lead is in its sequence (rule 22): live while active or paused, else finished."""

    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    REPLIED = "replied", "Replied"
    BOUNCED = "bounced", "Bounced"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


# The statuses in which a sequence is not over (rule 22).
LIVE_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
FINISHED_STATUSES = (
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.REPLIED,
    EnrollmentStatus.BOUNCED,
    EnrollmentStatus.UNSUBSCRIBED,
)


class EnrollmentQuerySet(TenantQuerySet["Enrollment"]):
    def live(self, *, release_finished: bool) -> Self:
        """The enrollments that hold an active-lead slot (rules 1, 22): in a campaign that is not archived
        and, when the workspace releases finished leads, not finished. ``release_finished`` is the
        workspace's ``Quota.release_finished_leads``: a writer passes the value of the row it locked."""
        live = self.exclude(campaign__status=CampaignStatus.ARCHIVED)
        return live.filter(status__in=LIVE_STATUSES) if release_finished else live


class EnrollmentManager(ScopedManager["Enrollment", EnrollmentQuerySet]):
    pass


class Enrollment(TenantModel):
    """A contact in a campaign. A contact with a live enrollment (``EnrollmentQuerySet.live``) uses one
    active-lead slot.

    On PostgreSQL, triggers (migration 0003) hold the enrollment, its campaign and its contact in one
    workspace, checking each statement's rows at once; foreign keys would check them row by row, which was
    most of what an import of a million rows cost. The (workspace, lead) index serves those checks and
    every lookup by contact.
    """

    # A contact is in a campaign once: (campaign, lead) is the key, and its index serves lookups by campaign.
    # No surrogate id: it would be one more index to write per enrollment (a quarter of their cost).
    pk = models.CompositePrimaryKey("campaign", "lead")
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="enrollments", db_constraint=False, db_index=False
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        related_name="enrollments",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The sequence (rule 18, 22). Database defaults: enrollments are written by set-based SQL that names
    # only the key columns. A new enrollment is due at once: its first step goes at the next chance.
    status = models.CharField(
        max_length=12, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE, db_default="active"
    )
    # How many of the campaign's steps it has been sent (its next step is the one after).
    step = models.PositiveSmallIntegerField(default=0, db_default=0)
    # When its next step is due; null while a message is being sent, and once nothing more is to be sent.
    next_send_at = models.DateTimeField(null=True, blank=True, db_default=Now())
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # When it finished (completed, replied, bounced, unsubscribed); null while it is live.
    finished_at = models.DateTimeField(null=True, blank=True)
    # SMTP 4xx answers to its current step so far (retried with backoff); back to 0 once it is sent.
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    # The mailbox that sends its whole sequence, chosen round-robin at its first message. The sending app
    # (above this one) owns mailboxes: no database constraint, and deleting a mailbox clears it here.
    mailbox = models.ForeignKey(
        "sending.Mailbox",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    # Declared again so that all_workspaces stays the first (default) manager, as TenantModel's note says.
    all_workspaces = models.Manager()
    # for_workspace(ws).live(…) and unscoped().live(…); objects.live(…) alone is unscoped, so refused.
    objects = EnrollmentManager.from_queryset(EnrollmentQuerySet)()

    Status = EnrollmentStatus

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "lead"], name="enrollment_workspace_lead"),
            # The scheduler's door: per campaign, the active enrollments by when they are due. A pass costs
            # what is due, not how many leads are enrolled.
            models.Index(
                fields=["campaign", "next_send_at"],
                condition=Q(status="active", next_send_at__isnull=False),
                name="enrollment_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values), name="enrollment_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.lead_id} in {self.campaign_id}"


class ImportStatus(models.TextChoices):
    # A dashboard upload waits in DRAFT while the user checks its column mapping; the API never shows it.
    DRAFT = "draft", "Waiting for its column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class OnDuplicate(models.TextChoices):
    SKIP = "skip", "Leave existing contacts as they are"
    UPDATE = "update", "Update existing contacts with the file's values"


class ImportJob(TenantModel):
    """A CSV file of the workspace's own leads, imported into its contacts and, if one is named, a campaign.

    Every data row lands in exactly one bucket (rule 11): ``created``, ``updated``, ``already_in_campaign``,
    ``duplicates``, ``invalid``, ``over_limit`` or ``suppressed`` (rule 20); ``rows_processed`` is their
    sum, and the database holds it to that. The counters, ``last_row_number`` and ``bytes_processed`` are
    the checkpoint, written in the transaction of each chunk (rule 14). The pipeline is
    ``campaigns.importing``.

    One run (one delivery of the task) holds a running job at a time: ``runner`` names it, and it beats
    (``heartbeat_at``) with each chunk and every few seconds between. A run that has not beaten for
    ``IMPORT_HEARTBEAT_TIMEOUT_SECONDS`` is taken to have died with its worker: the job is queued again,
    and the next delivery takes it over from the checkpoint.
    """

    Status = ImportStatus
    OnDuplicate = OnDuplicate
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    # Set when the campaign is deleted (``campaign`` becomes null): the import's history keeps its name.
    campaign_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(max_length=255)
    filename = models.CharField(max_length=255, help_text="The name of the file as it was uploaded.")
    file_size = models.PositiveBigIntegerField()
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    headers = models.JSONField(default=list)
    # CSV header -> lead field or "custom_fields.<name>"; columns not named are not imported.
    mapping = models.JSONField(default=dict)
    on_duplicate = models.CharField(max_length=6, choices=OnDuplicate.choices, default=OnDuplicate.SKIP)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="Known once the file is read.")
    rows_processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    already_in_campaign = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    over_limit = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0, help_text="Rows newly enrolled: not a bucket.")
    # Records of the file up to this row number (the header is row 1) are committed.
    last_row_number = models.PositiveIntegerField(default=0)
    bytes_processed = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Null while no run holds the job: before it starts, and after it was queued again (it is resuming).
    runner = models.UUIDField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values),
                name="import_job_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(on_duplicate__in=OnDuplicate.values), name="import_job_on_duplicate_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    rows_processed=F("created")
                    + F("updated")
                    + F("already_in_campaign")
                    + F("duplicates")
                    + F("invalid")
                    + F("over_limit")
                    + F("suppressed")
                ),
                name="import_job_buckets_add_up",
            ),
            models.CheckConstraint(
                condition=Q(enrolled__lte=F("created") + F("updated")), name="import_job_enrolled_lte_added"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-id"], name="import_job_workspace_newest"),
            # The requeue task looks for running jobs that stopped beating: a few rows, not the history.
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status=ImportStatus.RUNNING),
                name="import_job_running_beat",
            ),
        ]

    def __str__(self):
        return f"Import {self.pk} of {self.filename}"

    @property
    def is_finished(self):
        return self.status in self.FINISHED

    @staticmethod
    def heartbeat_cutoff():
        """A run that has not beaten since then is taken to have died with its worker."""
        return timezone.now() - timedelta(seconds=settings.IMPORT_HEARTBEAT_TIMEOUT_SECONDS)

    @property
    def is_held(self):
        """Whether a live run holds the job: one claimed it and has beaten since the cutoff."""
        return (
            self.runner is not None
            and self.heartbeat_at is not None
            and self.heartbeat_at >= self.heartbeat_cutoff()
        )

    @property
    def is_resuming(self):
        """Running, but the worker that ran it stopped: it is queued again and goes on from its checkpoint
        once a worker takes it."""
        return self.status == self.Status.RUNNING and not self.is_held

    @property
    def into_campaign(self):
        """Whether the import was into a campaign (one that may have been deleted since)."""
        return bool(self.campaign_id or self.campaign_name)

    @property
    def campaign_label(self):
        """The campaign's name, "(deleted)" after it if it was; "" for an import into contacts only."""
        if self.campaign_id:
            return self.campaign.name
        return f"{self.campaign_name} (deleted)" if self.campaign_name else ""

    @property
    def summary(self):
        """The buckets in a sentence, e.g. "1,200 created, 3 invalid" (Home, the email)."""
        parts = [
            (self.created, "created"),
            (self.updated, "updated"),
            (self.already_in_campaign, "already in the campaign"),
            (self.duplicates, "duplicate" if self.duplicates == 1 else "duplicates"),
            (self.invalid, "invalid"),
            (self.over_limit, "over the active-leads limit"),
            (self.suppressed, "on the suppression list"),
        ]
        return ", ".join(f"{count:,} {label}" for count, label in parts if count) or "no rows"

    @property
    def progress(self):
        """From 0 to 1: the share of the file's bytes read, 1 once it succeeded."""
        if self.status == self.Status.SUCCEEDED:
            return 1.0
        if not self.file_size:
            return 0.0
        return round(min(self.bytes_processed / self.file_size, 0.99), 4)


class ImportSkippedRow(TenantModel):
    """A row of an import that was not imported as asked, with why, or that was imported without some of
    its optional values (``warnings``): the lines of its error report. ``IMPORTED`` is not a bucket of
    rule 11: such a row is counted in the bucket it landed in (created, updated, already in campaign)."""

    class Bucket(models.TextChoices):
        INVALID = "invalid", "Invalid"
        DUPLICATES = "duplicates", "Duplicate"
        OVER_LIMIT = "over_limit", "Over the active-leads limit"
        SUPPRESSED = "suppressed", "On the suppression list"
        IMPORTED = "imported", "Imported, with warnings"

    # The unique constraint's index (job, row_number) serves the report; no second index on job.
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="skipped_rows", db_index=False)
    row_number = models.PositiveIntegerField()
    bucket = models.CharField(max_length=10, choices=Bucket.choices)
    reason = models.TextField()
    # The optional values left out of a row that was imported (empty for a row that was not).
    warnings = models.TextField(blank=True, default="", db_default="")
    # The contact an over-limit row kept without enrolling (Contacts filters by it); a plain reference:
    # deleting contacts must not scan or lock this table, and a filter joins it to live contacts anyway.
    lead = models.ForeignKey(
        "leads.Lead",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="import_skipped_row_once"),
        ]

    def __str__(self):
        return f"Row {self.row_number} of import {self.job_id}: {self.reason}"


class BulkAction(TenantModel):
    """A bulk action on Contacts over more contacts than one request should hold
    (``CONTACTS_BULK_BACKGROUND_ABOVE``): a Celery task does it chunk by chunk, as the request would have
    (``campaigns.contacts.bulk``), and its page shows how far it got, then what it did.

    It keeps the Contacts filters it was started with, not a list of ids: the task reads the selection
    again, and each chunk recounts under the quota lock, as in the request."""

    class Action(models.TextChoices):
        ADD = "add", "Add to campaign"
        REMOVE = "remove", "Remove from campaign"
        REMOVE_ALL = "remove_all", "Remove from every campaign"
        DELETE = "delete", "Delete"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    FINISHED = (Status.DONE, Status.FAILED)

    action = models.CharField(max_length=20, choices=Action.choices)
    # Add and remove name a campaign; deleted before the task ran, the action fails and says so.
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The Contacts filters (campaigns.contacts.filtering.FILTER_NAMES) as the list's query string has them.
    filters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    selected = models.PositiveIntegerField(help_text="How many contacts matched when it was started.")
    processed = models.PositiveIntegerField(default=0, help_text="Contacts gone through so far.")
    # What it did, in words (as the request would have said it), or why it failed.
    outcome = models.TextField(blank=True)
    warning = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-id"], name="bulkaction_workspace_newest")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.get_status_display()})"
