"""``/suppressions`` of ``/api/v1`` (API.md): the workspace's do-not-contact list (rule 20)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from accounts import scopes
from core.api.pagination import CursorPagination
from core.api.schema import IDEMPOTENCY_KEY, NOT_FOUND
from core.api.views import WorkspaceAPIView
from leads import selectors
from leads import services as lead_services
from leads.models import Suppression
from sending.suppressions_serializers import (
    SuppressionCreateSerializer,
    SuppressionListQuerySerializer,
    SuppressionsAddedSerializer,
    SuppressionSerializer,
)


class SuppressionListView(WorkspaceAPIView, generics.ListAPIView):
    """The suppression list, newest first. POST adds an ``email``, a ``domain`` or up to 10,000
    ``values``: one value answers its entry (201 when new, 200 when the list had it); ``values`` answers
    ``{"added", "already", "invalid": [{"index", "value", "reason"}]}`` and adds the valid ones."""

    required_scopes = scopes.every_method("sending:write")
    replica_reads = True

    serializer_class = SuppressionSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        query = SuppressionListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.suppressions_for_workspace(workspace=self.workspace, **query.validated_data)

    @extend_schema(
        parameters=[SuppressionListQuerySerializer], responses={200: SuppressionSerializer(many=True)}
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        request=SuppressionCreateSerializer,
        responses={
            201: OpenApiResponse(SuppressionSerializer, description="email or domain: a new entry."),
            200: OpenApiResponse(
                SuppressionsAddedSerializer,
                description="values: what was added; or email or domain: the entry the list had.",
            ),
            400: OpenApiResponse(description="invalid: not exactly one key, a bad value, or over 10,000."),
        },
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = SuppressionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "values" in data:
            result = lead_services.suppression_add(
                workspace=self.workspace, values=data["values"], reason=Suppression.Reason.MANUAL
            )
            answer = {"added": len(result.added), "already": len(result.already), "invalid": result.invalid}
            return Response(SuppressionsAddedSerializer(answer).data)
        result = lead_services.suppression_add(
            workspace=self.workspace,
            values=[data.get("email") or data["domain"]],
            reason=Suppression.Reason.MANUAL,
        )
        entry, created = (result.added[0], True) if result.added else (result.already[0], False)
        return Response(
            SuppressionSerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class SuppressionDetailView(WorkspaceAPIView):
    """DELETE takes an entry off the list: its address or domain may be contacted again."""

    required_scopes = scopes.every_method("sending:write")

    @extend_schema(responses={204: None, 404: NOT_FOUND})
    def delete(self, request, suppression_id):
        suppression = Suppression.objects.get_for_workspace_or_404(self.workspace, suppression_id)
        lead_services.suppression_remove(workspace=self.workspace, suppression=suppression)
        return Response(status=status.HTTP_204_NO_CONTENT)
