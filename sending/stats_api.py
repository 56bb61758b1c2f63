"""``/campaigns/{id}/stats`` of ``/api/v1`` (API.md, Dashboard → Analytics): a campaign's totals, its
last days and its steps, from ``sending.stats``."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import scopes
from campaigns.models import Campaign
from core.api.schema import NOT_FOUND
from core.api.serializers import QueryIntegerField
from core.api.views import WorkspaceAPIView
from sending.stats import DEFAULT_DAYS, MAX_DAYS, campaign_stats

RATE = "A fraction from 0 to 1 (four places); null while no lead was contacted."


class StatsQuerySerializer(serializers.Serializer):
    days = QueryIntegerField(
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        default=DEFAULT_DAYS,
        help_text=f"How many days `daily` covers, today (in the campaign's timezone) too: 1 to {MAX_DAYS}.",
    )


class TotalsSerializer(serializers.Serializer):
    enrolled = serializers.IntegerField(help_text="Contacts in the campaign.")
    contacted = serializers.IntegerField(
        help_text="Contacts sent at least one message, or whose address bounced at one: the rates' base."
    )
    sent = serializers.IntegerField(help_text="Messages the mail server took.")
    replied = serializers.IntegerField(help_text="Contacts who replied (automatic replies are not counted).")
    bounced = serializers.IntegerField(help_text="Enrollments that ended bounced.")
    unsubscribed = serializers.IntegerField(help_text="Enrollments that ended unsubscribed.")
    completed = serializers.IntegerField(help_text="Enrollments that were sent every step.")
    reply_rate = serializers.FloatField(allow_null=True, help_text=f"replied / contacted. {RATE}")
    bounce_rate = serializers.FloatField(
        allow_null=True, help_text=f"Contacted leads that bounced / contacted. {RATE}"
    )


class DaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A day in the campaign's timezone.")
    sent = serializers.IntegerField(help_text="Messages the mail server took that day.")
    replied = serializers.IntegerField(help_text="Contacts who replied that day.")
    bounced = serializers.IntegerField(help_text="Enrollments that ended bounced that day.")
    unsubscribed = serializers.IntegerField(help_text="Enrollments that ended unsubscribed that day.")
    completed = serializers.IntegerField(help_text="Enrollments that were sent their last step that day.")


class StepStatsSerializer(serializers.Serializer):
    step = serializers.IntegerField(help_text="The step's position: 1, 2, …")
    sent = serializers.IntegerField(help_text="Contacts this step was sent to.")
    replied = serializers.IntegerField(help_text="Contacts who replied to this step's message.")
    bounced = serializers.IntegerField(help_text="Contacts whose address bounced at this step.")
    reply_rate = serializers.FloatField(allow_null=True, help_text="replied / sent; null while none is sent.")


class CampaignStatsSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(help_text="The campaign's id.")
    timezone = serializers.CharField(help_text="The campaign's schedule timezone: the days are its days.")
    days = serializers.IntegerField(help_text="How many days `daily` has.")
    totals = TotalsSerializer(help_text="Since the campaign began.")
    daily = DaySerializer(many=True, help_text="Oldest first, one item per day; a day with nothing is zeros.")
    steps = StepStatsSerializer(many=True, help_text="Every step of the sequence, in order.")


class CampaignStatsView(WorkspaceAPIView):
    """The campaign's analytics: totals since it began, each of its last `days` days, and each step."""

    required_scopes = scopes.read_write("campaigns")

    @extend_schema(
        parameters=[StatsQuerySerializer],
        responses={
            200: CampaignStatsSerializer,
            400: OpenApiResponse(description=f"invalid: `days` is not a whole number from 1 to {MAX_DAYS}."),
            404: NOT_FOUND,
        },
    )
    def get(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = campaign_stats(workspace=self.workspace, campaign=campaign, days=query.validated_data["days"])
        return Response(CampaignStatsSerializer({"campaign": campaign.pk, **vars(stats)}).data)
