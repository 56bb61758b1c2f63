from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.serializers import UsageSerializer
from campaigns import extensions
from campaigns.contacts.serializers import LeadInputSerializer, LeadSerializer
from campaigns.models import Campaign, Enrollment, Step
from campaigns.services import (
    CAMPAIGN_NAME_MAX_LENGTH,
    MAX_LEADS_PER_REQUEST,
    STEP_DELAY_MAX_DAYS,
    STEP_SUBJECT_MAX_LENGTH,
)
from core.api.serializers import QueryIntegerField, QueryValueMixin, StrictSerializer
from core.ids import ID_MAX

# Positions are small integers in the database; the service says which of them the sequence has.
STEP_POSITION_MAX = 32_767


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$"})
class ClockField(serializers.TimeField):
    """A time of day as HH:MM (OpenAPI's "time" format wants seconds and an offset)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


def _registered_fields(*, for_output):
    """The fields apps above campaigns registered (campaigns.extensions), as serializer fields."""
    fields = {}
    for name, registered in extensions.campaign_fields().items():
        field = registered.field()
        if for_output:
            field.read_only = True
            # The value is the registering app's to read: the campaign has no such attribute.
            field.get_attribute = registered.read
        else:
            field.required = False
        fields[name] = field
    return fields


class ScheduleSerializer(serializers.Serializer):
    timezone = serializers.CharField(source="schedule_timezone", help_text="A time zone name: Europe/Berlin.")
    days = serializers.ListField(
        source="schedule_days",
        child=serializers.IntegerField(min_value=1, max_value=7),
        help_text="ISO weekdays it sends on: 1 is Monday, 7 Sunday.",
    )
    start = ClockField(source="schedule_start", help_text="HH:MM, in its time zone.")
    end = ClockField(source="schedule_end", help_text="HH:MM, after start.")


class CampaignSerializer(serializers.ModelSerializer):
    schedule = ScheduleSerializer(source="*", read_only=True, help_text="When it may send.")

    class Meta:
        model = Campaign
        fields = ["id", "name", "status", "lead_count", "schedule", "stop_on_reply", "created_at"]
        read_only_fields = fields

    def get_fields(self):
        return {**super().get_fields(), **_registered_fields(for_output=True)}


class CampaignCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=CAMPAIGN_NAME_MAX_LENGTH)


class ScheduleInputSerializer(StrictSerializer):
    """Any of the four: those not sent stay as they are."""

    timezone = serializers.CharField(
        required=False, max_length=64, help_text="A time zone name: Europe/Berlin."
    )
    days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        required=False,
        min_length=1,
        max_length=7,
        help_text="ISO weekdays it sends on: 1 is Monday, 7 Sunday.",
    )
    start = ClockField(required=False, help_text="HH:MM, in its time zone.")
    end = ClockField(required=False, help_text="HH:MM, after start.")


class CampaignUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=CAMPAIGN_NAME_MAX_LENGTH, required=False)
    status = serializers.ChoiceField(
        choices=Campaign.Status.choices,
        required=False,
        help_text="archived frees slots; from archived to another status takes them back if they fit (402). "
        "active starts sending: refused (409) without a step or when a start check fails.",
    )
    schedule = ScheduleInputSerializer(required=False)
    stop_on_reply = serializers.BooleanField(required=False, help_text="A reply ends the lead's sequence.")

    def get_fields(self):
        return {**super().get_fields(), **_registered_fields(for_output=False)}

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return attrs


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["id", "position", "delay_days", "subject", "body", "created_at", "updated_at"]
        read_only_fields = fields


class StepInputSerializer(StrictSerializer):
    position = serializers.IntegerField(
        min_value=1,
        max_value=STEP_POSITION_MAX,
        required=False,
        help_text="1 is the first step. Default: after the last; the steps from there on move down.",
    )
    delay_days = serializers.IntegerField(
        min_value=0,
        max_value=STEP_DELAY_MAX_DAYS,
        required=False,
        help_text="Days after the step before it (0: at the next chance).",
    )
    subject = serializers.CharField(
        max_length=STEP_SUBJECT_MAX_LENGTH,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        help_text='Empty on a later step: "Re: " and the first subject, in the same thread.',
    )
    body = serializers.CharField(
        trim_whitespace=False, help_text="Variables: {{first_name}} or {{first_name|there}}."
    )


class PreviewQuerySerializer(serializers.Serializer):
    lead = QueryIntegerField(max_value=ID_MAX, help_text="A contact of the workspace.")
    step = QueryIntegerField(min_value=1, max_value=STEP_POSITION_MAX, help_text="The step's position.")


class PreviewSerializer(serializers.Serializer):
    subject = serializers.CharField()
    body = serializers.CharField()


class QueryChoiceField(QueryValueMixin, serializers.ChoiceField):
    pass


class CampaignLeadsQuerySerializer(serializers.Serializer):
    status = QueryChoiceField(
        choices=Enrollment.Status.choices, required=False, help_text="Only contacts whose enrollment has it."
    )


class EnrollmentStateSerializer(serializers.ModelSerializer):
    mailbox = serializers.IntegerField(source="mailbox_id", allow_null=True, help_text="It sends every step.")

    class Meta:
        model = Enrollment
        fields = ["status", "step", "mailbox", "next_send_at", "last_sent_at", "finished_at"]
        read_only_fields = fields
        extra_kwargs = {
            "step": {"help_text": "How many steps it has been sent."},
            "finished_at": {
                "help_text": "When its sequence ended (completed, replied, bounced, unsubscribed)."
            },
        }


class CampaignLeadSerializer(LeadSerializer):
    """A contact of the campaign, with where it is in the campaign's sequence (context: campaign_id)."""

    enrollment = serializers.SerializerMethodField()

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "enrollment"]

    @extend_schema_field(EnrollmentStateSerializer(allow_null=True))
    def get_enrollment(self, lead):
        campaign_id = self.context["campaign_id"]
        found = next((item for item in lead.enrollment_list if item.campaign_id == campaign_id), None)
        return None if found is None else EnrollmentStateSerializer(found).data


class EnrollmentStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=[(Enrollment.Status.PAUSED, "Paused"), (Enrollment.Status.ACTIVE, "Active")],
        help_text="paused stops its sequence; active resumes it, its next step due at once. No slot moves.",
    )


class EnrollmentRequestSerializer(StrictSerializer):
    lead_ids = serializers.ListField(
        child=serializers.IntegerField(max_value=ID_MAX),
        required=False,
        max_length=MAX_LEADS_PER_REQUEST,
        help_text="Existing contacts, by id.",
    )
    leads = LeadInputSerializer(
        many=True,
        required=False,
        max_length=MAX_LEADS_PER_REQUEST,
        help_text="Contacts as data: a new email becomes a contact, a known one is that contact, unchanged.",
    )
    allow_partial = serializers.BooleanField(
        default=False, help_text="Add the contacts that fit and report the rest, instead of a 402."
    )

    def validate(self, attrs):
        count = len(attrs.get("lead_ids", [])) + len(attrs.get("leads", []))
        if count == 0:
            raise serializers.ValidationError("Send lead_ids and/or leads.")
        if count > MAX_LEADS_PER_REQUEST:
            raise serializers.ValidationError(
                f"At most {MAX_LEADS_PER_REQUEST:,} contacts per call (lead_ids and leads together); "
                f"this one has {count:,}."
            )
        return attrs


class InvalidItemSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["lead_ids", "leads"], help_text="The list the item was in.")
    index = serializers.IntegerField(help_text="Its position in that list, from 0.")
    lead_id = serializers.IntegerField(required=False)
    email = serializers.CharField(required=False)
    reason = serializers.CharField()


class LeadWarningSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in ``leads``, from 0.")
    email = serializers.CharField()
    warnings = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each optional field whose malformed value was dropped, with why.",
    )


class EnrollmentResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    already_in_campaign = serializers.IntegerField()
    invalid = serializers.IntegerField()
    not_added_over_limit = serializers.IntegerField()
    suppressed = serializers.IntegerField(help_text="On the workspace's suppression list: not added.")
    added_lead_ids = serializers.ListField(child=serializers.IntegerField())
    already_in_campaign_lead_ids = serializers.ListField(child=serializers.IntegerField())
    invalid_items = InvalidItemSerializer(many=True)
    not_added_lead_ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Did not fit under the active-leads limit; new contacts among them were kept.",
    )
    suppressed_lead_ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Their email or its domain is suppressed (rule 20): not added, no slot needed; new "
        "contacts among them were kept.",
    )
    warnings = LeadWarningSerializer(
        many=True, help_text="New contacts of ``leads`` created without their malformed optional values."
    )
    usage = UsageSerializer()


class EnrollmentRemoveSerializer(StrictSerializer):
    lead_ids = serializers.ListField(
        child=serializers.IntegerField(max_value=ID_MAX), min_length=1, max_length=MAX_LEADS_PER_REQUEST
    )


class EnrollmentRemoveResultSerializer(serializers.Serializer):
    removed = serializers.IntegerField()
    usage = UsageSerializer()
