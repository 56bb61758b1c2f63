"""``/workspace`` of ``/api/v1`` (API.md). Apps above accounts add sections to the answer (billing: the
plan and the usage) through accounts.workspace_sections."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts import scopes, services
from accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from accounts.workspace_sections import workspace_sections
from core.api.serializers import StrictSerializer
from core.api.views import WorkspaceAPIView


class WorkspaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    created_at = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        for name, section in workspace_sections().items():
            fields[name] = section.field()
        return fields


class WorkspaceUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)


def workspace_data(workspace):
    data = {
        "id": workspace.pk,
        "name": workspace.name,
        "slug": workspace.slug,
        "created_at": workspace.created_at,
    }
    for name, section in workspace_sections().items():
        data[name] = section.read(workspace)
    return data


class WorkspaceView(WorkspaceAPIView):
    """The workspace the API key (or the session) belongs to, with its plan and usage."""

    required_scopes = {"GET": scopes.NO_SCOPE, "PATCH": scopes.EVERY_SCOPE}

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [IsWorkspaceAdmin()]
        return [IsWorkspaceMember()]

    @extend_schema(responses=WorkspaceSerializer)
    def get(self, request):
        return Response(WorkspaceSerializer(workspace_data(self.workspace)).data)

    @extend_schema(request=WorkspaceUpdateSerializer, responses=WorkspaceSerializer)
    def patch(self, request):
        serializer = WorkspaceUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data["name"]
        workspace = services.workspace_rename(workspace=self.workspace, name=name)
        return Response(WorkspaceSerializer(workspace_data(workspace)).data)
