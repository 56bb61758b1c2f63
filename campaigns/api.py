"""``/campaigns`` of ``/api/v1`` (API.md); ``/leads`` is campaigns.contacts'."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from billing.selectors import usage_for_workspace
from campaigns import selectors, services
from campaigns.contacts.api import LeadPageMixin
from campaigns.contacts.serializers import LeadSerializer
from campaigns.models import Campaign
from campaigns.serializers import (
    CampaignCreateSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    EnrollmentRemoveResultSerializer,
    EnrollmentRemoveSerializer,
    EnrollmentRequestSerializer,
    EnrollmentResultSerializer,
)
from core.api.schema import IDEMPOTENCY_KEY, NOT_FOUND
from core.api.views import WorkspaceAPIView
from leads.models import Lead

OVER_LIMIT = OpenApiResponse(
    description="active_leads_limit_reached: details requested, available and limit; nothing changed."
)


class CampaignListView(WorkspaceAPIView, generics.ListAPIView):
    """The workspace's campaigns, newest first, with how many contacts each has. POST creates one."""

    serializer_class = CampaignSerializer

    def get_queryset(self):
        return selectors.campaigns_for_workspace(workspace=self.workspace)

    @extend_schema(
        request=CampaignCreateSerializer, responses={201: CampaignSerializer}, parameters=[IDEMPOTENCY_KEY]
    )
    def post(self, request):
        serializer = CampaignCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.campaign_create(workspace=self.workspace, name=serializer.validated_data["name"])
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(WorkspaceAPIView):
    """One campaign. PATCH renames it or changes its status: ``archived`` frees the slots of its contacts
    in no other live campaign, leaving archived takes them back (402 if they do not fit). DELETE frees
    them too."""

    @extend_schema(responses={200: CampaignSerializer, 404: NOT_FOUND})
    def get(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(
        request=CampaignUpdateSerializer,
        responses={200: CampaignSerializer, 402: OVER_LIMIT, 404: NOT_FOUND},
    )
    def patch(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        serializer = CampaignUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.campaign_update(
            workspace=self.workspace, campaign=campaign, **serializer.validated_data
        )
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND})
    def delete(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        services.campaign_delete(workspace=self.workspace, campaign=campaign)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignLeadsView(LeadPageMixin, WorkspaceAPIView, generics.ListAPIView):
    """The campaign's contacts, newest first. POST adds up to 1,000 (existing ids and/or new data)."""

    def get_queryset(self):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, self.kwargs["campaign_id"])
        return selectors.lead_keys(workspace=self.workspace, campaign=campaign)

    @extend_schema(responses={200: LeadSerializer(many=True), 404: NOT_FOUND})
    def get(self, request, campaign_id):
        return super().get(request, campaign_id)

    @extend_schema(
        request=EnrollmentRequestSerializer,
        responses={
            200: EnrollmentResultSerializer,
            402: OVER_LIMIT,
            404: NOT_FOUND,
            409: OpenApiResponse(description="conflict: the campaign is archived."),
        },
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        serializer = EnrollmentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.enrollments_add(
            workspace=self.workspace,
            campaign=campaign,
            lead_ids=data.get("lead_ids", []),
            leads=data.get("leads", []),
            allow_partial=data["allow_partial"],
            source=Lead.Source.API,
        )
        answer = {
            "added": result.added,
            "already_in_campaign": result.already_in_campaign,
            "invalid": result.invalid,
            "not_added_over_limit": result.not_added_over_limit,
            "suppressed": result.suppressed,
            "added_lead_ids": result.added_lead_ids,
            "already_in_campaign_lead_ids": result.already_in_campaign_lead_ids,
            "invalid_items": result.invalid_items,
            "not_added_lead_ids": result.not_added_lead_ids,
            "suppressed_lead_ids": result.suppressed_lead_ids,
            "warnings": [
                {**item, "warnings": {name: [message] for name, message in item["warnings"].items()}}
                for item in result.warnings
            ],
            "usage": usage_for_workspace(workspace=self.workspace),
        }
        return Response(EnrollmentResultSerializer(answer).data)


class CampaignLeadsRemoveView(WorkspaceAPIView):
    """Takes contacts out of the campaign; one in no other live campaign frees its slot at once."""

    @extend_schema(
        request=EnrollmentRemoveSerializer,
        responses={200: EnrollmentRemoveResultSerializer, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        serializer = EnrollmentRemoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        removed = services.enrollments_remove(
            workspace=self.workspace, campaign=campaign, lead_ids=serializer.validated_data["lead_ids"]
        )
        answer = {"removed": removed, "usage": usage_for_workspace(workspace=self.workspace)}
        return Response(EnrollmentRemoveResultSerializer(answer).data)
