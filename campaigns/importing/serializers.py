from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from campaigns.models import ImportJob, ImportStatus, OnDuplicate
from core.api.serializers import StrictSerializer
from core.ids import ID_MAX
from core.strict_json import StrictJSONDecoder

# What the API shows: a dashboard upload waiting for its mapping (draft) is not an API job yet.
API_STATUSES = [(value, label) for value, label in ImportStatus.choices if value != ImportStatus.DRAFT]


class ImportJobSerializer(serializers.ModelSerializer):
    """An import job. Every data row of the file lands in exactly one bucket: created + updated +
    already_in_campaign + duplicates + invalid + over_limit + suppressed == rows_processed (== rows_total
    once done)."""

    status = serializers.ChoiceField(choices=API_STATUSES)
    campaign = serializers.IntegerField(
        source="campaign_id",
        allow_null=True,
        help_text="Null: contacts only, or the campaign was deleted since (then `campaign_name` is set).",
    )
    campaign_name = serializers.SerializerMethodField(
        help_text='The campaign\'s name, with " (deleted)" after it if it was deleted; null: contacts only.'
    )
    rows_total = serializers.IntegerField(
        allow_null=True, help_text="Data rows in the file; null until the whole file has been read."
    )
    rows_processed = serializers.IntegerField(
        help_text="Data rows committed so far (empty lines are not rows)."
    )
    created = serializers.IntegerField(help_text="New contacts (enrolled, if there is a campaign).")
    updated = serializers.IntegerField(
        help_text="Existing contacts updated (on_duplicate=update) and/or newly enrolled in the campaign."
    )
    enrolled = serializers.IntegerField(help_text="Rows newly enrolled in the campaign (not a bucket).")
    already_in_campaign = serializers.IntegerField(help_text="Existing contacts already in the campaign.")
    duplicates = serializers.IntegerField(
        help_text="Same normalised email as an earlier row of the file (the first wins), or, with "
        "on_duplicate=skip and no campaign, an existing contact left unchanged."
    )
    invalid = serializers.IntegerField(
        help_text="Rows that cannot be read (wrong number of columns) or fail normalisation; the error "
        "report says why."
    )
    over_limit = serializers.IntegerField(
        help_text="Valid rows kept as contacts but not enrolled: no active-lead slot was left."
    )
    suppressed = serializers.IntegerField(
        help_text="Rows whose email, or its domain, is on the suppression list: no contact was created, "
        "changed or enrolled."
    )
    progress = serializers.FloatField(help_text="From 0 to 1.")
    error = serializers.SerializerMethodField(help_text="Why a failed job stopped; null otherwise.")
    errors_url = serializers.SerializerMethodField(
        help_text="The error report: every row not imported, with row_number and reason."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "campaign",
            "campaign_name",
            "filename",
            "on_duplicate",
            "mapping",
            "encoding",
            "delimiter",
            "rows_total",
            "rows_processed",
            "created",
            "updated",
            "enrolled",
            "already_in_campaign",
            "duplicates",
            "invalid",
            "over_limit",
            "suppressed",
            "progress",
            "error",
            "errors_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_campaign_name(self, job):
        return job.campaign_label or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_error(self, job):
        return job.error or None

    @extend_schema_field(serializers.URLField())
    def get_errors_url(self, job):
        return reverse("api:import-errors", args=[job.pk], request=self.context["request"])


class ImportCreateSerializer(StrictSerializer):
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="A CSV file with a header row: UTF-8 (with or without a BOM), UTF-16 or Windows-1252; "
        "separated by commas, semicolons, tabs or vertical bars. Up to IMPORT_MAX_FILE_BYTES (200 MB).",
    )
    campaign = serializers.IntegerField(
        required=False,
        allow_null=True,
        max_value=ID_MAX,
        help_text="Enrol the contacts in this campaign; omit for contacts only.",
    )
    mapping = serializers.JSONField(
        required=False,
        decoder=StrictJSONDecoder,
        help_text='CSV header to lead field or "custom_fields.<name>", e.g. {"E-mail": "email", "Plan": '
        '"custom_fields.plan"}; a column not named is not imported. Default: common header names are '
        "recognised (Email, First Name, Company, Job Title, Phone, LinkedIn…).",
    )
    on_duplicate = serializers.ChoiceField(
        choices=OnDuplicate.choices,
        default=OnDuplicate.SKIP,
        help_text="An existing contact: skip leaves it as it is; update sets the file's non-empty values "
        "and merges its custom fields.",
    )
