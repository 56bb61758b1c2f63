from rest_framework import serializers

from billing.serializers import UsageSerializer
from campaigns.contacts.serializers import LeadInputSerializer
from campaigns.models import Campaign
from campaigns.services import CAMPAIGN_NAME_MAX_LENGTH, MAX_LEADS_PER_REQUEST
from core.api.serializers import StrictSerializer
from core.ids import ID_MAX


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "status", "lead_count", "created_at"]
        read_only_fields = fields


class CampaignCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=CAMPAIGN_NAME_MAX_LENGTH)


class CampaignUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=CAMPAIGN_NAME_MAX_LENGTH, required=False)
    status = serializers.ChoiceField(
        choices=Campaign.Status.choices,
        required=False,
        help_text="archived frees slots; from archived to another status takes them back if they fit (402).",
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send name and/or status.")
        return attrs


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
