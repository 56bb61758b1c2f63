"""``/campaigns/{id}/messages`` of ``/api/v1`` (API.md): a campaign's sent log, newest first."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from accounts import scopes
from campaigns.models import Campaign
from core.api.schema import NOT_FOUND
from core.api.views import WorkspaceAPIView
from sending.models import Message
from sending.sent_log import messages_for_campaign


class MessageSerializer(serializers.ModelSerializer):
    lead = serializers.IntegerField(source="lead_id", help_text="The contact's id.")
    step = serializers.IntegerField(source="step_number", help_text="Its step's position: 1, 2, …")
    mailbox = serializers.IntegerField(
        source="mailbox_id", allow_null=True, help_text="The mailbox's id; null once it is deleted."
    )
    message_id = serializers.CharField(help_text="Its Message-ID header, angle brackets included.")
    sent_at = serializers.DateTimeField(allow_null=True, help_text="When the server took it.")
    error = serializers.CharField(help_text="The server's words when it refused, or why it is unknown.")

    class Meta:
        model = Message
        fields = ["id", "lead", "step", "mailbox", "message_id", "status", "sent_at", "error"]


class MessageListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Message.Status.values, required=False, help_text="Only messages in this status."
    )


class CampaignMessagesView(WorkspaceAPIView, generics.ListAPIView):
    """The campaign's messages, newest first: every attempt, with its status and the server's words."""

    required_scopes = scopes.read_write("campaigns")
    replica_reads = True

    serializer_class = MessageSerializer

    def get_queryset(self):
        campaign = Campaign.objects.get_for_workspace_or_404(self.workspace, self.kwargs["campaign_id"])
        query = MessageListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return messages_for_campaign(
            workspace=self.workspace, campaign=campaign, status=query.validated_data.get("status")
        )

    @extend_schema(
        parameters=[MessageListQuerySerializer], responses={200: MessageSerializer(many=True), 404: NOT_FOUND}
    )
    def get(self, request, campaign_id):
        return super().get(request, campaign_id)
