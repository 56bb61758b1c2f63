from rest_framework import serializers

from accounts.models import Workspace
from config.api.serializers import StrictSerializer


class WorkspaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Workspace
        fields = ["id", "name", "slug", "created_at"]


class WorkspaceUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
