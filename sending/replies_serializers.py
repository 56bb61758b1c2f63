from rest_framework import serializers

from core.api.serializers import QueryIntegerField, QueryValueMixin, StrictSerializer
from core.ids import ID_MAX
from sending.models import Reply, ReplyKind, ReplyLabel
from sending.replies_selectors import UNLABELLED

# Named for the schema (ENUM_NAME_OVERRIDES).
REPLY_KINDS = ReplyKind
REPLY_LABELS = ReplyLabel


class ReplySerializer(serializers.ModelSerializer):
    """A reply in the inbox list."""

    lead = serializers.IntegerField(source="lead_id", help_text="The contact's id.")
    campaign = serializers.IntegerField(source="campaign_id", help_text="The campaign's id.")
    mailbox = serializers.IntegerField(
        source="mailbox_id", allow_null=True, help_text="The mailbox it was read from; null once deleted."
    )
    received_at = serializers.DateTimeField(help_text="When it arrived (its Date header, else when read).")
    subject = serializers.CharField(help_text="Its subject; empty if it had none.")
    snippet = serializers.CharField(help_text="The start of its text, quoted history left out.")
    label = serializers.ChoiceField(
        choices=ReplyLabel.choices, allow_blank=True, help_text="A person's label; empty when none yet."
    )

    class Meta:
        model = Reply
        fields = ["id", "lead", "campaign", "mailbox", "received_at", "subject", "snippet", "label"]


class ReplyDetailSerializer(ReplySerializer):
    """One reply with its whole text."""

    kind = serializers.ChoiceField(choices=ReplyKind.choices)
    from_email = serializers.CharField(help_text="The sender's address.")
    body = serializers.CharField(help_text="Its whole text (a bounce: the report's text).")

    class Meta(ReplySerializer.Meta):
        fields = [*ReplySerializer.Meta.fields, "kind", "from_email", "body"]


class QueryChoiceField(QueryValueMixin, serializers.ChoiceField):
    pass


class ReplyListQuerySerializer(serializers.Serializer):
    # An empty ?kind= or ?label= is a 400, as an unknown one: not a filter that silently matches everything.
    kind = QueryChoiceField(
        choices=ReplyKind.choices,
        required=False,
        help_text="reply (the default), auto_reply (out-of-office and the like) or bounce.",
    )
    label = QueryChoiceField(
        choices=[*ReplyLabel.choices, (UNLABELLED, "No label yet")],
        required=False,
        help_text=f"Only replies with this label; {UNLABELLED}: those nobody has labelled yet.",
    )
    campaign = QueryIntegerField(required=False, max_value=ID_MAX, help_text="Only replies to this campaign.")
    mailbox = QueryIntegerField(required=False, max_value=ID_MAX, help_text="Only replies read from it.")
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Part of the sender's address or of the subject, any case.",
    )


class ReplyLabelSerializer(StrictSerializer):
    """The label to set. A field the endpoint does not know is a 400 that names it."""

    label = serializers.ChoiceField(
        choices=ReplyLabel.choices,
        allow_blank=True,
        allow_null=True,
        error_messages={
            "invalid_choice": f'"{{input}}" is not a label: use one of {", ".join(ReplyLabel.values)}, '
            "or null to clear it."
        },
        help_text="The label; null or empty clears it.",
    )

    def validate_label(self, value):
        return value or ""
