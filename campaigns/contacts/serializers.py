from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import (
    QueryBooleanField,
    QueryChoiceField,
    QueryIntegerField,
    QueryValueMixin,
    StrictSerializer,
)
from core.ids import ID_MAX
from leads.models import Lead

# Named for the schema (ENUM_NAME_OVERRIDES): a contact's answer and a written contact's share it.
LEAD_SOURCES = Lead.Source
LEAD_OUTPUT_FIELDS = [
    "id",
    "email",
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "phone",
    "website",
    "linkedin_url",
    "city",
    "country",
    "custom_fields",
    "campaign_ids",
    "source",
    "created_at",
]


class LeadSerializer(serializers.ModelSerializer):
    """A contact; ``campaign_ids`` needs the ``enrollment_list`` that campaigns.selectors prefetches."""

    campaign_ids = serializers.SerializerMethodField(help_text="Every campaign the contact is in.")

    class Meta:
        model = Lead
        fields = LEAD_OUTPUT_FIELDS

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_campaign_ids(self, lead):
        return [enrollment.campaign_id for enrollment in lead.enrollment_list]


class LeadWrittenSerializer(LeadSerializer):
    """A contact just created or changed, with the optional values that were left out of it."""

    warnings = serializers.SerializerMethodField(
        help_text="Each optional field whose value was malformed and dropped (not stored), with why; "
        "empty when every value was kept. Only a missing or invalid email refuses a contact."
    )

    class Meta(LeadSerializer.Meta):
        fields = [*LEAD_OUTPUT_FIELDS, "warnings"]

    @extend_schema_field(serializers.DictField(child=serializers.ListField(child=serializers.CharField())))
    def get_warnings(self, lead):
        return {name: [message] for name, message in self.context["warnings"].items()}


def _optional_text(**kwargs):
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, **kwargs)


class LeadInputSerializer(StrictSerializer):
    """Raw contact fields: types are checked here, values by leads.normalization."""

    email = serializers.CharField(allow_blank=True)
    first_name = _optional_text()
    last_name = _optional_text()
    company_name = _optional_text()
    job_title = _optional_text()
    phone = _optional_text()
    website = _optional_text()
    linkedin_url = _optional_text()
    city = _optional_text()
    country = _optional_text()
    custom_fields = serializers.DictField(
        required=False, allow_null=True, help_text="Names to text, numbers, true/false or null."
    )


@extend_schema_field(
    {"oneOf": [{"type": "integer", "minimum": 1, "maximum": ID_MAX}, {"type": "string", "enum": ["none"]}]}
)
class CampaignFilterField(QueryValueMixin, serializers.Field):
    """A campaign's id, or ``none``: contacts in no campaign that is not archived."""

    NONE = "none"
    default_error_messages = {"invalid": "A campaign id, or none."}

    def to_internal_value(self, data):
        text = str(data).strip()
        if text == self.NONE:
            return text
        if not text.isdigit() or not 0 < int(text) <= ID_MAX:
            self.fail("invalid")
        return int(text)

    def to_representation(self, value):
        return value


class LeadListQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False, allow_blank=True, help_text="Part of the email, name or company, any case."
    )
    campaign = CampaignFilterField(
        required=False,
        help_text="Only contacts in this campaign (an id), or `none`: in no campaign that is not archived.",
    )
    source = QueryChoiceField(
        choices=Lead.Source.choices, required=False, help_text="Only contacts that came in this way."
    )
    suppressed = QueryBooleanField(
        required=False, help_text="Only contacts on (true) or off (false) the suppression list."
    )

    def get_fields(self):
        fields = super().get_fields()
        # "import" is a keyword: the field is added by name.
        fields["import"] = QueryIntegerField(
            required=False,
            min_value=1,
            max_value=ID_MAX,
            help_text="Only the contacts this import kept without enrolling them (no slot was left).",
        )
        return fields
