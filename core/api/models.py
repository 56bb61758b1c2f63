import secrets

from django.db import models
from django.db.models import Q

from core.tenancy import TenantModel


class IdempotencyKey(TenantModel):
    """One POST under an ``Idempotency-Key`` header, kept 24 hours so that a retry replays its answer."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="idempotency_key_unique_per_workspace")
        ]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"


def new_event_id():
    return f"evt_{secrets.token_hex(12)}"


class Event(TenantModel):
    """Something that happened in a workspace, written by the app that made it happen in the same
    transaction (the transactional outbox; ``core.events.event_emit``). The webhooks app, on top of the
    others, reads it after the commit and fans it out to the endpoints that chose its type; no app below
    imports webhooks. ``public_id`` is the stable id receivers deduplicate on (rule 26)."""

    public_id = models.CharField(max_length=40, unique=True, default=new_event_id, editable=False)
    type = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once its deliveries are written; a sweep picks up events a crash left undispatched.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-id"], name="event_workspace_newest"),
            models.Index(
                fields=["created_at"], condition=Q(dispatched_at__isnull=True), name="event_undispatched"
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.public_id}"
