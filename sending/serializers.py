from rest_framework import serializers

from core.api.serializers import StrictSerializer
from sending.models import Mailbox
from sending.services import SETTINGS, host_problem

PORT = {"min_value": 1, "max_value": 65535}
SECURITY = Mailbox.Security.choices


def _host(value):
    problem = host_problem(value)
    if problem:
        raise serializers.ValidationError(problem)
    return value


class MailboxSerializer(serializers.ModelSerializer):
    """A mailbox as answered: its settings without the passwords, which are write-only."""

    sent_today = serializers.IntegerField(
        read_only=True, help_text="Messages claimed since 00:00 UTC (sending, sent or unknown)."
    )

    class Meta:
        model = Mailbox
        fields = ["id", "email", *SETTINGS, "status", "last_error", "sent_today"]
        read_only_fields = fields


class MailboxWriteSerializer(StrictSerializer):
    """The settings of a mailbox; PATCH sends any of them (an omitted or empty password keeps the one
    stored)."""

    email = serializers.CharField(max_length=254)
    from_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    smtp_host = serializers.CharField(max_length=253, validators=[_host])
    smtp_port = serializers.IntegerField(required=False, **PORT)
    smtp_security = serializers.ChoiceField(choices=SECURITY, required=False)
    smtp_username = serializers.CharField(max_length=254, required=False, allow_blank=True)
    smtp_password = serializers.CharField(
        required=False, allow_blank=True, write_only=True, trim_whitespace=False, max_length=1000
    )
    imap_host = serializers.CharField(max_length=253, required=False, allow_blank=True, validators=[_host])
    imap_port = serializers.IntegerField(required=False, **PORT)
    imap_security = serializers.ChoiceField(choices=SECURITY, required=False)
    imap_username = serializers.CharField(
        max_length=254, required=False, allow_blank=True, help_text="Empty: the email address."
    )
    imap_password = serializers.CharField(
        required=False, allow_blank=True, write_only=True, trim_whitespace=False, max_length=1000
    )
    daily_limit = serializers.IntegerField(
        required=False, min_value=1, max_value=10_000, help_text="Per UTC day; 30 if omitted."
    )
    min_interval_seconds = serializers.IntegerField(
        required=False, min_value=0, max_value=86_400, help_text="Between two sends; 60 if omitted."
    )


class MailboxUpdateSerializer(MailboxWriteSerializer):
    status = serializers.ChoiceField(
        choices=[Mailbox.Status.ACTIVE, Mailbox.Status.PAUSED],
        required=False,
        help_text="Pause or resume; error is set by the sender when the server refuses us.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one field.")
        return attrs


class MailboxTestSerializer(serializers.Serializer):
    smtp = serializers.CharField(help_text='"ok", or why the login failed (the server\'s words).')
    imap = serializers.CharField(help_text='"ok", "not configured", or why the login failed.')
