from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts import services
from accounts.serializers import WorkspaceSerializer, WorkspaceUpdateSerializer
from config.api.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from config.api.views import WorkspaceAPIView


class WorkspaceView(WorkspaceAPIView):
    """The workspace the API key (or the session) belongs to."""

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [IsWorkspaceAdmin()]
        return [IsWorkspaceMember()]

    @extend_schema(responses=WorkspaceSerializer)
    def get(self, request):
        return Response(WorkspaceSerializer(self.workspace).data)

    @extend_schema(request=WorkspaceUpdateSerializer, responses=WorkspaceSerializer)
    def patch(self, request):
        serializer = WorkspaceUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workspace = services.workspace_rename(
            workspace=self.workspace, name=serializer.validated_data["name"]
        )
        return Response(WorkspaceSerializer(workspace).data)
