"""``/replies`` of ``/api/v1`` (API.md): the Replies inbox across campaigns, and a person's label on each."""

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from accounts import scopes
from campaigns.models import Campaign
from core.api.pagination import CursorPagination
from core.api.schema import NOT_FOUND
from core.api.views import WorkspaceAPIView
from sending.models import Mailbox, Reply
from sending.replies_selectors import INBOX_ORDER, replies_for_workspace
from sending.replies_serializers import (
    ReplyDetailSerializer,
    ReplyLabelSerializer,
    ReplyListQuerySerializer,
    ReplySerializer,
)
from sending.replies_services import reply_label_set


class ReplyPagination(CursorPagination):
    """Newest first by ``received_at``: a cursor's position is one of those times."""

    ordering = INBOX_ORDER

    def valid_position(self, position):
        try:
            moment = parse_datetime(position)
        except ValueError:
            return False
        return moment is not None and moment.tzinfo is not None


class ReplyListView(WorkspaceAPIView, generics.ListAPIView):
    """The inbox, newest first: replies (``kind=reply``) unless ``kind`` asks for automatic replies or
    bounces. Filters combine; a ``campaign`` or ``mailbox`` of another workspace is a 404."""

    required_scopes = scopes.read_write("campaigns")
    replica_reads = True

    serializer_class = ReplySerializer
    pagination_class = ReplyPagination

    def get_queryset(self):
        query = ReplyListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        campaign_id, mailbox_id = filters.get("campaign"), filters.get("mailbox")
        return replies_for_workspace(
            workspace=self.workspace,
            kind=filters.get("kind", Reply.Kind.REPLY),
            campaign=None
            if campaign_id is None
            else Campaign.objects.get_for_workspace_or_404(self.workspace, campaign_id),
            mailbox=None
            if mailbox_id is None
            else Mailbox.objects.get_for_workspace_or_404(self.workspace, mailbox_id),
            label=filters.get("label"),
            search=filters.get("q", ""),
        )

    @extend_schema(
        parameters=[ReplyListQuerySerializer], responses={200: ReplySerializer(many=True), 404: NOT_FOUND}
    )
    def get(self, request):
        return super().get(request)


class ReplyDetailView(WorkspaceAPIView):
    """One reply with its whole text. PATCH sets its ``label``, or clears it with null or ``""``."""

    required_scopes = scopes.read_write("campaigns")

    def _reply(self, reply_id):
        return Reply.objects.get_for_workspace_or_404(self.workspace, reply_id)

    @extend_schema(responses={200: ReplyDetailSerializer, 404: NOT_FOUND})
    def get(self, request, reply_id):
        return Response(ReplyDetailSerializer(self._reply(reply_id)).data)

    @extend_schema(
        request=ReplyLabelSerializer,
        responses={
            200: ReplyDetailSerializer,
            400: OpenApiResponse(description="invalid: not a label (details.label names it), or no label."),
            404: NOT_FOUND,
        },
    )
    def patch(self, request, reply_id):
        reply = self._reply(reply_id)
        serializer = ReplyLabelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reply = reply_label_set(
            workspace=self.workspace, reply=reply, label=serializer.validated_data["label"]
        )
        return Response(ReplyDetailSerializer(reply).data)
