"""``/workspace`` of ``/api/v1`` (API.md). Apps above accounts add sections (billing: the plan and the
usage) and settings (billing: ``release_finished_leads``) to the answer through
accounts.workspace_sections; a setting is changed by PATCH, by the role it was registered with."""

from collections.abc import Mapping

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import scopes, services
from accounts.models import ROLE_RANK, Role
from accounts.permissions import IsWorkspaceMember
from accounts.workspace_sections import workspace_sections, workspace_settings
from core.api.serializers import StrictSerializer
from core.api.views import WorkspaceAPIView

NOTHING_TO_CHANGE = "Send the name and/or a setting to change."


class WorkspaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    created_at = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        for name, setting in workspace_settings().items():
            fields[name] = setting.field()
        for name, section in workspace_sections().items():
            fields[name] = section.field()
        return fields


class WorkspaceUpdateSerializer(StrictSerializer):
    """The name (admins) and/or the settings apps registered (each by its role); at least one."""

    name = serializers.CharField(max_length=100, required=False)

    def get_fields(self):
        fields = super().get_fields()
        for name, setting in workspace_settings().items():
            fields[name] = setting.field()
            fields[name].required = False
        return fields

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": [NOTHING_TO_CHANGE]})
        return attrs


def workspace_data(workspace):
    data = {
        "id": workspace.pk,
        "name": workspace.name,
        "slug": workspace.slug,
        "created_at": workspace.created_at,
    }
    for name, setting in workspace_settings().items():
        data[name] = setting.read(workspace)
    for name, section in workspace_sections().items():
        data[name] = section.read(workspace)
    return data


def role_needed(data):
    """The role a PATCH with ``data`` needs: admin for the name, a setting's own role for it."""
    if not isinstance(data, Mapping):
        return Role.ADMIN
    settings = workspace_settings()
    roles = [Role.ADMIN] + [Role(settings[name].role) for name in data if name in settings]
    return max(roles, key=ROLE_RANK.__getitem__)


class WorkspaceView(WorkspaceAPIView):
    """The workspace the API key (or the session) belongs to, with its settings, plan and usage. PATCH
    changes the name (admins) and the settings (each by its role: ``release_finished_leads``, owners)."""

    permission_classes = [IsWorkspaceMember]
    required_scopes = {"GET": scopes.NO_SCOPE, "PATCH": scopes.EVERY_SCOPE}

    @extend_schema(responses=WorkspaceSerializer)
    def get(self, request):
        return Response(WorkspaceSerializer(workspace_data(self.workspace)).data)

    @extend_schema(
        request=WorkspaceUpdateSerializer,
        responses={
            200: WorkspaceSerializer,
            400: OpenApiResponse(description="invalid: a field is not valid, unknown, or none was sent."),
            403: OpenApiResponse(
                description="permission_denied: the name needs an admin, release_finished_leads an owner."
            ),
        },
    )
    def patch(self, request):
        role = role_needed(request.data)
        if not request.membership.has_role(role):
            raise PermissionDenied(f"This needs the {role.label.lower()} role in the workspace.")
        serializer = WorkspaceUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        workspace = services.workspace_update(
            workspace=self.workspace, name=changes.pop("name", None), setting_values=changes
        )
        return Response(WorkspaceSerializer(workspace_data(workspace)).data)
