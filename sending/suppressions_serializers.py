from rest_framework import serializers

from core.api.serializers import QueryValueMixin, StrictSerializer
from leads.models import Suppression
from leads.services import MAX_SUPPRESSIONS_PER_CALL, InvalidSuppression, normalize_suppression

# Named for the schema (ENUM_NAME_OVERRIDES).
SUPPRESSION_KINDS = Suppression.Kind
SUPPRESSION_REASONS = Suppression.Reason


class SuppressionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suppression
        fields = ["id", "kind", "value", "reason", "created_at"]


class QueryChoiceField(QueryValueMixin, serializers.ChoiceField):
    pass


class SuppressionListQuerySerializer(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, help_text="Part of the value, any case.")
    # An empty ?kind= is a 400, as an unknown one: not a filter that silently matches everything.
    kind = QueryChoiceField(choices=Suppression.Kind.choices, required=False, help_text="Only this kind.")


class SuppressionCreateSerializer(StrictSerializer):
    """Exactly one of ``email``, ``domain`` and ``values``."""

    email = serializers.CharField(required=False, help_text="An address: jane@example.com.")
    domain = serializers.CharField(
        required=False, help_text="A whole domain, bare or after an @: example.com or @example.com."
    )
    values = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        allow_empty=False,
        max_length=MAX_SUPPRESSIONS_PER_CALL,
        help_text=f"Up to {MAX_SUPPRESSIONS_PER_CALL:,} emails or domains; invalid ones are listed, "
        "the rest added.",
    )

    def validate(self, attrs):
        sent = [name for name in ("email", "domain", "values") if name in attrs]
        if len(sent) != 1:
            raise serializers.ValidationError("Send exactly one of email, domain and values.")
        for name in ("email", "domain"):
            if name in attrs:
                try:
                    kind, _ = normalize_suppression(attrs[name])
                except InvalidSuppression as exc:
                    raise serializers.ValidationError({name: [str(exc)]}) from exc
                if kind != name:
                    raise serializers.ValidationError(
                        {name: [f"This is not {'an email address' if name == 'email' else 'a domain'}."]}
                    )
        return attrs


class InvalidValueSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Its position in values, from 0.")
    value = serializers.CharField()
    reason = serializers.CharField()


class SuppressionsAddedSerializer(serializers.Serializer):
    """The answer to ``values``: how many were new, how many the list had, and each one refused."""

    added = serializers.IntegerField()
    already = serializers.IntegerField(help_text="On the list already (duplicates in values count once).")
    invalid = InvalidValueSerializer(many=True)
