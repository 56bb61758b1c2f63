"""``/leads`` and ``/campaigns`` of ``/api/v1`` (API.md). Lead views live here, not in leads/, because a
contact's answer names its campaigns and deleting one frees its active-lead slots."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from billing.selectors import usage_for_workspace
from campaigns import selectors, services
from campaigns.models import Campaign
from campaigns.serializers import (
    CampaignCreateSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    EnrollmentRemoveResultSerializer,
    EnrollmentRemoveSerializer,
    EnrollmentRequestSerializer,
    EnrollmentResultSerializer,
    LeadInputSerializer,
    LeadListQuerySerializer,
    LeadSerializer,
)
from core.api.pagination import CursorPagination
from core.api.schema import IDEMPOTENCY_KEY, NOT_FOUND
from core.api.views import WorkspaceAPIView
from leads import services as lead_services
from leads.models import Lead

OVER_LIMIT = OpenApiResponse(
    description="active_leads_limit_reached: details requested, available and limit; nothing changed."
)
EMAIL_TAKEN = OpenApiResponse(description="conflict: a contact has this email; details.lead_id names it.")


class LeadPagination(CursorPagination):
    """Contacts newest first, paged on ``lead_id`` keys (campaigns.selectors.lead_keys)."""

    ordering = "-lead_id"


class LeadPageMixin:
    """Cuts a page from contact keys, then reads those contacts with their campaigns."""

    serializer_class = LeadSerializer
    pagination_class = LeadPagination

    def list(self, request, *args, **kwargs):
        keys = self.paginate_queryset(self.get_queryset())
        leads = selectors.leads_with_campaign_ids(
            workspace=self.workspace, lead_ids=[key["lead_id"] for key in keys]
        )
        return self.get_paginated_response(LeadSerializer(leads, many=True).data)


class LeadListView(LeadPageMixin, WorkspaceAPIView, generics.ListAPIView):
    """The workspace's contacts, newest first. POST adds one (source ``api``)."""

    def get_queryset(self):
        query = LeadListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        campaign_id = query.validated_data.get("campaign")
        campaign = (
            None
            if campaign_id is None
            else Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        )
        return selectors.lead_keys(
            workspace=self.workspace, search=query.validated_data.get("search", ""), campaign=campaign
        )

    @extend_schema(
        parameters=[LeadListQuerySerializer], responses={200: LeadSerializer(many=True), 404: NOT_FOUND}
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        request=LeadInputSerializer,
        responses={201: LeadSerializer, 409: EMAIL_TAKEN},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = LeadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = lead_services.lead_create(
            workspace=self.workspace, data=serializer.validated_data, source=Lead.Source.API
        )
        lead = selectors.lead_with_campaign_ids(workspace=self.workspace, lead_id=lead.pk)
        return Response(LeadSerializer(lead).data, status=status.HTTP_201_CREATED)


class LeadDetailView(WorkspaceAPIView):
    """One contact. PATCH changes the fields sent; DELETE removes it from its campaigns, freeing its slot."""

    @extend_schema(responses={200: LeadSerializer, 404: NOT_FOUND})
    def get(self, request, lead_id):
        lead = selectors.lead_with_campaign_ids(workspace=self.workspace, lead_id=lead_id)
        return Response(LeadSerializer(lead).data)

    @extend_schema(
        request=LeadInputSerializer, responses={200: LeadSerializer, 404: NOT_FOUND, 409: EMAIL_TAKEN}
    )
    def patch(self, request, lead_id):
        lead = Lead.objects.get_for_workspace_or_404(self.workspace, lead_id)
        serializer = LeadInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        lead_services.lead_update(workspace=self.workspace, lead=lead, data=serializer.validated_data)
        lead = selectors.lead_with_campaign_ids(workspace=self.workspace, lead_id=lead_id)
        return Response(LeadSerializer(lead).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND})
    def delete(self, request, lead_id):
        lead = Lead.objects.get_for_workspace_or_404(self.workspace, lead_id)
        services.lead_delete(workspace=self.workspace, lead=lead)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
            "added_lead_ids": result.added_lead_ids,
            "already_in_campaign_lead_ids": result.already_in_campaign_lead_ids,
            "invalid_items": result.invalid_items,
            "not_added_lead_ids": result.not_added_lead_ids,
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
