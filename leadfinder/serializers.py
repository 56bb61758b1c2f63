from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.selectors import lead_credits_balance
from core.api.serializers import QueryBooleanField, StrictSerializer
from core.ids import ID_MAX
from leadfinder.models import (
    CompanySize,
    Country,
    Department,
    Download,
    EmailStatus,
    Industry,
    Prospect,
    Seniority,
)
from leadfinder.selectors import masked_email, validate_words
from leadfinder.services import MAX_PROSPECTS_PER_DOWNLOAD

MAX_VALUES_PER_FILTER = 50
EMAIL_BOUNCED_HELP = (
    "false: only prospects whose email is not known to bounce; true: only those whose email bounced "
    "(email_status bounced: never charged, skipped by downloads)."
)


class OneOrManyField(serializers.ListField):
    """A filter that takes several values (any of them matches); a single value may come without a list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_VALUES_PER_FILTER)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value([data] if isinstance(data, str) else data)


def _choices(enum):
    return OneOrManyField(child=serializers.ChoiceField(choices=enum.choices))


class ProspectFiltersSerializer(StrictSerializer):
    """A search: any of the values within a filter, all of the filters given."""

    keyword = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        validators=[validate_words],
        help_text="Words of the name, job title or company, all of them (engineer also finds Engineering); "
        "at most 8.",
    )
    job_title = OneOrManyField(
        child=serializers.CharField(max_length=200, validators=[validate_words]),
        help_text="Job titles with all the words of one of these (e.g. 'sales manager'), 8 words at most.",
    )
    seniority = _choices(Seniority)
    department = _choices(Department)
    industry = _choices(Industry)
    company_size = _choices(CompanySize)
    country = _choices(Country)
    city = OneOrManyField(child=serializers.CharField(max_length=100), help_text="Exact city names.")
    has_email = serializers.BooleanField(required=False, allow_null=True, default=None)
    email_bounced = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=EMAIL_BOUNCED_HELP
    )
    owned = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only prospects the workspace owns (or not)."
    )


class ProspectSearchQuerySerializer(ProspectFiltersSerializer):
    """The filters of a search and its page (``limit``, ``cursor``: the paginator reads them)."""

    has_email = QueryBooleanField(required=False)
    email_bounced = QueryBooleanField(required=False, help_text=EMAIL_BOUNCED_HELP)
    owned = QueryBooleanField(required=False, help_text="Only prospects the workspace owns (or not).")
    limit = serializers.IntegerField(
        required=False, min_value=1, help_text="Page size, from 1; above 100, 100 (default 50)."
    )
    cursor = serializers.CharField(
        required=False, allow_blank=True, help_text="The cursor of a `next` link; empty: the first page."
    )


PUBLIC_FIELDS = [
    "id",
    "first_name",
    "last_name",
    "job_title",
    "seniority",
    "department",
    "company_name",
    "company_domain",
    "industry",
    "company_size",
    "country",
    "city",
    "email_status",
]


def _enum_or_blank(enum):
    """An enumerated value, or "" where the data vendor did not say (as the prospect database keeps it)."""
    return serializers.ChoiceField(choices=enum.choices, allow_blank=True, read_only=True)


def _only_when_owned():
    # Not read-only: the schema would then list it as always present, and it is absent unless owned.
    return serializers.CharField(required=False, help_text="Only when owned (absent otherwise).")


class ProspectSerializer(serializers.ModelSerializer):
    """A prospect as the workspace may see it: an unowned one shows a masked email (``j•••@acme.com``)
    and no phone or LinkedIn; an owned one shows everything. Needs ``owned`` from the selector."""

    seniority = _enum_or_blank(Seniority)
    department = _enum_or_blank(Department)
    industry = _enum_or_blank(Industry)
    company_size = _enum_or_blank(CompanySize)
    country = _enum_or_blank(Country)
    email_status = serializers.ChoiceField(
        choices=EmailStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="bounced: a message to it hard-bounced; such a prospect is never charged and downloads "
        "skip it. Empty when the prospect has no email.",
    )
    phone = _only_when_owned()
    linkedin_url = _only_when_owned()
    owned = serializers.BooleanField(read_only=True)

    class Meta:
        model = Prospect
        fields = [*PUBLIC_FIELDS, "email", "phone", "linkedin_url", "owned"]
        read_only_fields = [name for name in fields if name not in ("phone", "linkedin_url")]
        extra_kwargs = {
            "email": {"help_text": "Masked (j•••@acme.com) unless owned; empty when the prospect has none."},
        }

    def to_representation(self, prospect):
        if prospect.owned:
            return super().to_representation(prospect)
        data = {name: getattr(prospect, name) for name in PUBLIC_FIELDS}
        data.update(email=masked_email(prospect.email), owned=False)
        return data


class FilterOptionSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class FilterOptionsSerializer(serializers.Serializer):
    seniority = FilterOptionSerializer(many=True)
    department = FilterOptionSerializer(many=True)
    industry = FilterOptionSerializer(many=True)
    company_size = FilterOptionSerializer(many=True)
    country = FilterOptionSerializer(many=True)
    email_status = FilterOptionSerializer(many=True)


class DownloadRequestSerializer(StrictSerializer):
    prospect_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        min_length=1,
        max_length=MAX_PROSPECTS_PER_DOWNLOAD,
        help_text="The prospects to take, in this order (at most 10,000).",
    )
    filters = ProspectFiltersSerializer(required=False, help_text="Take the first `limit` of this search.")
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PROSPECTS_PER_DOWNLOAD, help_text="With filters."
    )
    campaign = serializers.IntegerField(
        required=False,
        allow_null=True,
        max_value=ID_MAX,
        help_text="Also add the prospects to this campaign (rule 8).",
    )
    allow_partial = serializers.BooleanField(
        default=False,
        help_text=(
            "Short of credits (or past the member's credit cap): take as many as the balance (and the cap)"
            " pays for, instead of a 402."
        ),
    )

    def validate(self, attrs):
        if ("prospect_ids" in attrs) == ("filters" in attrs):
            raise serializers.ValidationError("Send prospect_ids, or filters with a limit.")
        if "filters" in attrs and "limit" not in attrs:
            raise serializers.ValidationError({"limit": ["Required with filters: at most 10,000."]})
        if "prospect_ids" in attrs and "limit" in attrs:
            raise serializers.ValidationError({"limit": ["Only with filters."]})
        return attrs


class DownloadSerializer(serializers.ModelSerializer):
    """A download: what was asked, each requested prospect in one bucket, and its CSV (free to refetch)."""

    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Download
        fields = [
            "id",
            "requested",
            "charged",
            "already_owned",
            "skipped_no_email",
            "skipped_suppressed",
            "added_to_campaign",
            "already_in_campaign",
            "not_added_over_limit",
            "campaign",
            "allow_partial",
            "query",
            "file_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_file_url(self, download) -> str:
        url = reverse("api:leadfinder-download-file", kwargs={"download_id": download.pk})
        return self.context["request"].build_absolute_uri(url)


class DownloadCreatedSerializer(DownloadSerializer):
    credits_balance = serializers.SerializerMethodField(help_text="The workspace's lead credits after it.")

    class Meta(DownloadSerializer.Meta):
        fields = [*DownloadSerializer.Meta.fields, "credits_balance"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_credits_balance(self, download):
        return lead_credits_balance(workspace=download.workspace)
