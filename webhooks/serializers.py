from rest_framework import serializers

from core.api.serializers import StrictSerializer
from core.events import EVENT_TYPES
from webhooks.models import Delivery, Endpoint


class EndpointSerializer(serializers.ModelSerializer):
    """An endpoint as answered: without its secret, which only the answer that created it carries."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES))
    active = serializers.BooleanField(help_text="Off: no new deliveries.")
    previous_secret_until = serializers.DateTimeField(
        allow_null=True,
        help_text="After the secret was rolled: until when requests are also signed with the secret before.",
    )

    class Meta:
        model = Endpoint
        fields = ["id", "url", "events", "active", "previous_secret_until", "created_at"]
        read_only_fields = fields


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(
        allow_null=True,
        help_text="The signing secret (whsec_…), in this answer only (the one that made the endpoint or "
        "rolled its secret); null when the answer is replayed for the same Idempotency-Key (it is never "
        "shown again).",
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointWriteSerializer(StrictSerializer):
    url = serializers.CharField(
        max_length=2000, help_text="https:// (http:// only where private hosts are allowed, in development)."
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        allow_empty=False,
        max_length=len(EVENT_TYPES),
        help_text="The event types it receives: at least one.",
    )


class EndpointUpdateSerializer(StrictSerializer):
    url = serializers.CharField(max_length=2000, required=False, help_text="Checked as when it was made.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        allow_empty=False,
        max_length=len(EVENT_TYPES),
        required=False,
        help_text="The event types it receives from now on: at least one.",
    )
    active = serializers.BooleanField(
        required=False,
        help_text="false: no new deliveries, and retries still waiting fail; true: events from now on.",
    )


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.public_id", help_text="The event's stable id (evt_…).")
    event_type = serializers.CharField(source="event.type", help_text="An event type, or webhook.test.")
    attempt = serializers.IntegerField(help_text="1 for the first attempt of the event to this endpoint.")
    status_code = serializers.IntegerField(
        allow_null=True, help_text="The endpoint's HTTP status; null when it gave none (refused, timed out)."
    )
    error = serializers.CharField(help_text='Why the attempt failed; "" when it was delivered or is waiting.')
    next_attempt_at = serializers.DateTimeField(allow_null=True, help_text="When a pending attempt is made.")
    attempted_at = serializers.DateTimeField(allow_null=True, help_text="When the request was made.")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "attempt",
            "state",
            "status_code",
            "error",
            "next_attempt_at",
            "attempted_at",
            "created_at",
        ]
        read_only_fields = fields
