"""Endpoints that exist only in tests, to exercise the API plumbing on its own."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from accounts import services
from accounts.models import ApiKey
from core.api.serializers import StrictSerializer
from core.api.views import WorkspaceAPIView


class KeyRequestSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)


class CreateKeyView(WorkspaceAPIView):
    """Each executed POST creates one API key, so the tests can count executions."""

    def post(self, request):
        body = KeyRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        api_key, _ = services.api_key_create(workspace=self.workspace, name=body.validated_data["name"])
        if api_key.name == "fails after its work":
            raise RuntimeError("an error after the work was committed")
        return Response({"id": api_key.pk, "name": api_key.name}, status=201)


class KeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name"]


class KeyListView(WorkspaceAPIView, ListAPIView):
    serializer_class = KeySerializer

    def get_queryset(self):
        return ApiKey.objects.for_workspace(self.workspace)


urlpatterns = [
    path("api/v1/test-keys", CreateKeyView.as_view()),
    path("api/v1/test-keys/list", KeyListView.as_view()),
    path("", include("config.urls")),
]
