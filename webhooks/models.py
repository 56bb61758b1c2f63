"""Webhook endpoints and the log of their deliveries (DESIGN.md rules 25, 26). Fields and constraints only:
``webhooks.services`` writes them; the events themselves are ``core.api.models.Event`` (the outbox)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.tenancy import TenantModel


class Endpoint(TenantModel):
    """A URL of the workspace's that receives the events it chose, signed with its secret. The secret is
    stored Fernet-encrypted (``core.secrets``) and shown once, when the endpoint is made or its secret
    rolled."""

    url = models.CharField(max_length=2000)
    events = ArrayField(models.CharField(max_length=40))
    secret_encrypted = models.TextField(editable=False)
    # After the secret is rolled, the one before it still signs every request beside the new one until
    # ``previous_secret_until`` (``webhooks.services.SECRET_OVERLAP``: a day), so that a receiver can switch
    # without a gap.
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # Off: no new deliveries (switched by the workspace, or by support in the admin); what is logged stays.
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-id"], name="endpoint_workspace_newest")]
        constraints = [models.CheckConstraint(condition=~Q(events=[]), name="endpoint_has_events")]

    def __str__(self):
        return self.url


class DeliveryState(models.TextChoices):
    # Waiting for its ``next_attempt_at``.
    PENDING = "pending", "Pending"
    # A worker is making the request (claimed at ``attempted_at``).
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(TenantModel):
    """One attempt to deliver one event to one endpoint: the delivery log. A failed attempt of an event's
    chain is followed by a new row (attempt + 1) after an exponential backoff, until 24 h after the event."""

    State = DeliveryState

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("api.Event", on_delete=models.CASCADE, related_name="+")
    attempt = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=9, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    # False for a test and a redelivery asked for by hand: one attempt, no retries.
    retries = models.BooleanField(default=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The start of the receiver's answer, for the log.
    response_snippet = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event", "attempt"], name="delivery_attempt_once"),
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="delivery_state_valid"),
            models.CheckConstraint(
                condition=~Q(state="pending") | Q(next_attempt_at__isnull=False),
                name="delivery_pending_has_a_time",
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-id"], name="delivery_endpoint_newest"),
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="delivery_due"),
            models.Index(fields=["attempted_at"], condition=Q(state="sending"), name="delivery_claims_open"),
        ]

    def __str__(self):
        return f"{self.event_id} to {self.endpoint_id} #{self.attempt}"
