"""``/leads`` of ``/api/v1`` (API.md): the workspace's contacts, each with the campaigns it is in."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from accounts import scopes
from campaigns import selectors, services
from campaigns.contacts.serializers import (
    CampaignFilterField,
    LeadInputSerializer,
    LeadListQuerySerializer,
    LeadSerializer,
    LeadWrittenSerializer,
)
from campaigns.importing.selectors import import_for_workspace
from campaigns.models import Campaign
from core.api.pagination import CursorPagination
from core.api.schema import IDEMPOTENCY_KEY, NOT_FOUND
from core.api.views import WorkspaceAPIView
from leads import services as lead_services
from leads.models import Lead

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

    required_scopes = scopes.read_write("leads")
    replica_reads = True

    def get_queryset(self):
        query = LeadListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        campaign_id, job_id = data.get("campaign"), data.get("import")
        campaign = (
            Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
            if isinstance(campaign_id, int)
            else None
        )
        job = import_for_workspace(workspace=self.workspace, job_id=job_id) if job_id else None
        return selectors.lead_keys(
            workspace=self.workspace,
            search=data.get("search", ""),
            campaign=campaign,
            in_no_campaign=campaign_id == CampaignFilterField.NONE,
            import_job=job,
            source=data.get("source", ""),
            suppressed=data.get("suppressed"),
        )

    @extend_schema(
        parameters=[LeadListQuerySerializer], responses={200: LeadSerializer(many=True), 404: NOT_FOUND}
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        request=LeadInputSerializer,
        responses={201: LeadWrittenSerializer, 409: EMAIL_TAKEN},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = LeadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = lead_services.lead_create(
            workspace=self.workspace,
            data=serializer.validated_data,
            source=Lead.Source.API,
            drop_invalid=True,
        )
        lead = selectors.lead_with_campaign_ids(workspace=self.workspace, lead_id=created.pk)
        answer = LeadWrittenSerializer(lead, context={"warnings": created.warnings})
        return Response(answer.data, status=status.HTTP_201_CREATED)


class LeadDetailView(WorkspaceAPIView):
    """One contact. PATCH changes the fields sent; DELETE removes it from its campaigns, freeing its slot."""

    required_scopes = scopes.read_write("leads")

    @extend_schema(responses={200: LeadSerializer, 404: NOT_FOUND})
    def get(self, request, lead_id):
        lead = selectors.lead_with_campaign_ids(workspace=self.workspace, lead_id=lead_id)
        return Response(LeadSerializer(lead).data)

    @extend_schema(
        request=LeadInputSerializer,
        responses={200: LeadWrittenSerializer, 404: NOT_FOUND, 409: EMAIL_TAKEN},
    )
    def patch(self, request, lead_id):
        lead = Lead.objects.get_for_workspace_or_404(self.workspace, lead_id)
        serializer = LeadInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = lead_services.lead_update(
            workspace=self.workspace, lead=lead, data=serializer.validated_data, drop_invalid=True
        )
        lead = selectors.lead_with_campaign_ids(workspace=self.workspace, lead_id=lead_id)
        return Response(LeadWrittenSerializer(lead, context={"warnings": updated.warnings}).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND})
    def delete(self, request, lead_id):
        lead = Lead.objects.get_for_workspace_or_404(self.workspace, lead_id)
        services.lead_delete(workspace=self.workspace, lead=lead)
        return Response(status=status.HTTP_204_NO_CONTENT)
