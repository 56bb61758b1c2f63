"""``/campaigns`` of ``/api/v1`` (API.md); ``/leads`` is campaigns.contacts'."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from accounts import scopes
from billing.selectors import usage_for_workspace
from campaigns import selectors, sequences, services
from campaigns.contacts.api import LeadPageMixin
from campaigns.models import Campaign
from campaigns.serializers import (
    CampaignCreateSerializer,
    CampaignLeadSerializer,
    CampaignLeadsQuerySerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    EnrollmentRemoveResultSerializer,
    EnrollmentRemoveSerializer,
    EnrollmentRequestSerializer,
    EnrollmentResultSerializer,
    EnrollmentStatusSerializer,
    PreviewQuerySerializer,
    PreviewSerializer,
    StepInputSerializer,
    StepSerializer,
)
from core.api.schema import IDEMPOTENCY_KEY, NOT_FOUND
from core.api.views import WorkspaceAPIView
from leads.models import Lead

OVER_LIMIT = OpenApiResponse(
    description="active_leads_limit_reached: details requested, available and limit; nothing changed."
)
CANNOT_START = OpenApiResponse(
    description="conflict: the campaign cannot start (status active): no step in its sequence, or a start "
    "check failed (e.g. no active mailbox); details.reasons lists every reason. Nothing changed."
)
STEP_INVALID = OpenApiResponse(
    description="invalid: a field is not valid, named in details: an unknown variable (named), braces "
    "that make no variable, an empty body, a position outside 1..n, or an empty subject on the first step."
)


class CampaignListView(WorkspaceAPIView, generics.ListAPIView):
    """The workspace's campaigns, newest first, with how many contacts each has. POST creates one."""

    required_scopes = scopes.read_write("campaigns")
    replica_reads = True

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
    """One campaign. PATCH changes its name, schedule, stop_on_reply, the fields other apps add to it (its
    mailboxes) and its status: ``archived`` frees the slots of its contacts in no other live campaign,
    leaving archived takes them back (402 if they do not fit), ``active`` starts sending (409 if it
    cannot). DELETE frees them too."""

    required_scopes = scopes.read_write("campaigns")

    @extend_schema(responses={200: CampaignSerializer, 404: NOT_FOUND})
    def get(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(
        request=CampaignUpdateSerializer,
        responses={200: CampaignSerializer, 402: OVER_LIMIT, 404: NOT_FOUND, 409: CANNOT_START},
    )
    def patch(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        serializer = CampaignUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        own = {
            name: data.pop(name) for name in ("name", "status", "schedule", "stop_on_reply") if name in data
        }
        campaign = services.campaign_update(workspace=self.workspace, campaign=campaign, **own, fields=data)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND})
    def delete(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        services.campaign_delete(workspace=self.workspace, campaign=campaign)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignLeadsView(LeadPageMixin, WorkspaceAPIView, generics.ListAPIView):
    """The campaign's contacts, newest first, each with where it is in the sequence (``enrollment``);
    ``?status=`` keeps those whose enrollment has that status. POST adds up to 1,000 (existing ids and/or
    new data)."""

    required_scopes = scopes.read_write("campaigns")
    replica_reads = True

    serializer_class = CampaignLeadSerializer

    def get_queryset(self):
        query = CampaignLeadsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, self.kwargs["campaign_id"])
        return selectors.lead_keys(
            workspace=self.workspace,
            campaign=campaign,
            enrollment_status=query.validated_data.get("status", ""),
        )

    def list(self, request, *args, **kwargs):
        keys = self.paginate_queryset(self.get_queryset())
        leads = selectors.leads_with_campaign_ids(
            workspace=self.workspace, lead_ids=[key["lead_id"] for key in keys]
        )
        context = {"campaign_id": self.kwargs["campaign_id"]}
        return self.get_paginated_response(CampaignLeadSerializer(leads, many=True, context=context).data)

    @extend_schema(
        parameters=[CampaignLeadsQuerySerializer],
        responses={200: CampaignLeadSerializer(many=True), 404: NOT_FOUND},
    )
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


class CampaignLeadView(WorkspaceAPIView):
    """One contact of the campaign with where it is in the sequence. PATCH ``{"status": "paused"}`` pauses
    its sequence, ``{"status": "active"}`` resumes it (its next step due at once); both are live, so no
    active-lead slot moves. A sequence that is over (completed, replied, bounced, unsubscribed) is a 409."""

    required_scopes = scopes.read_write("campaigns")

    def _answer(self, campaign, lead_id):
        lead = selectors.lead_with_campaign_ids(workspace=self.workspace, lead_id=lead_id)
        return Response(CampaignLeadSerializer(lead, context={"campaign_id": campaign.pk}).data)

    @extend_schema(responses={200: CampaignLeadSerializer, 404: NOT_FOUND})
    def get(self, request, campaign_id, lead_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        if not selectors.enrollment_exists(workspace=self.workspace, campaign=campaign, lead_id=lead_id):
            raise Http404("No lead with that id in this campaign.")
        return self._answer(campaign, lead_id)

    @extend_schema(
        request=EnrollmentStatusSerializer,
        responses={
            200: CampaignLeadSerializer,
            400: OpenApiResponse(description="invalid: status is paused or active."),
            404: NOT_FOUND,
            409: OpenApiResponse(description="conflict: the lead's sequence is over; it cannot change."),
        },
    )
    def patch(self, request, campaign_id, lead_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        serializer = EnrollmentStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.enrollment_set_status(
            workspace=self.workspace,
            campaign=campaign,
            lead_id=lead_id,
            status=serializer.validated_data["status"],
        )
        return self._answer(campaign, lead_id)


class CampaignLeadsRemoveView(WorkspaceAPIView):
    """Takes contacts out of the campaign; one in no other live campaign frees its slot at once."""

    required_scopes = scopes.read_write("campaigns")

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


class StepListView(WorkspaceAPIView):
    """The campaign's sequence, first step first. POST adds a step (at ``position``, default last)."""

    required_scopes = scopes.read_write("campaigns")

    @extend_schema(responses={200: StepSerializer(many=True), 404: NOT_FOUND})
    def get(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        steps = selectors.steps_of(workspace=self.workspace, campaign=campaign)
        return Response(StepSerializer(steps, many=True).data)

    @extend_schema(
        request=StepInputSerializer,
        responses={201: StepSerializer, 400: STEP_INVALID, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        serializer = StepInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        step = services.step_create(workspace=self.workspace, campaign=campaign, **serializer.validated_data)
        return Response(StepSerializer(step).data, status=status.HTTP_201_CREATED)


class StepDetailView(WorkspaceAPIView):
    """One step. PATCH changes the fields sent (a new ``position`` moves it, the others close up);
    DELETE removes it and the steps after it move up."""

    required_scopes = scopes.read_write("campaigns")

    @extend_schema(
        request=StepInputSerializer, responses={200: StepSerializer, 400: STEP_INVALID, 404: NOT_FOUND}
    )
    def patch(self, request, campaign_id, step_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        step = selectors.step_of(workspace=self.workspace, campaign=campaign, step_id=step_id)
        serializer = StepInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        step = services.step_update(
            workspace=self.workspace, campaign=campaign, step=step, **serializer.validated_data
        )
        return Response(StepSerializer(step).data)

    @extend_schema(responses={204: None, 400: STEP_INVALID, 404: NOT_FOUND})
    def delete(self, request, campaign_id, step_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        step = selectors.step_of(workspace=self.workspace, campaign=campaign, step_id=step_id)
        services.step_delete(workspace=self.workspace, campaign=campaign, step=step)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PreviewView(WorkspaceAPIView):
    """Step ``step`` (its position) rendered for contact ``lead`` as it would be sent: variables and
    fallbacks filled, an empty later subject as "Re: " and the first, the sender of the campaign's first
    mailbox, an example unsubscribe link."""

    required_scopes = scopes.read_write("campaigns")

    @extend_schema(
        parameters=[PreviewQuerySerializer],
        responses={
            200: PreviewSerializer,
            404: OpenApiResponse(description="not_found: no such campaign, contact or step position."),
        },
    )
    def get(self, request, campaign_id):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id)
        query = PreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lead = Lead.objects.get_for_workspace_or_404(self.workspace, query.validated_data["lead"])
        rendered = sequences.preview(
            workspace=self.workspace, campaign=campaign, lead=lead, position=query.validated_data["step"]
        )
        if rendered is None:
            raise Http404("No step at that position.")
        return Response(PreviewSerializer(rendered).data)
