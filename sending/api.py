"""``/mailboxes`` of ``/api/v1`` (API.md): a workspace's sending addresses. Passwords go in, never out."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from accounts import scopes
from core.api.schema import IDEMPOTENCY_KEY, NOT_FOUND
from core.api.views import WorkspaceAPIView
from sending import selectors, services
from sending.serializers import (
    MailboxSerializer,
    MailboxTestSerializer,
    MailboxUpdateSerializer,
    MailboxWriteSerializer,
)

INVALID_MAILBOX = OpenApiResponse(
    description="invalid: a field is not valid (a host that is not a host name or IP address, a port out of "
    "1-65535, an unknown field), or another mailbox of the workspace has this email; details name it."
)


class MailboxListView(WorkspaceAPIView, generics.ListAPIView):
    """The workspace's mailboxes, newest first, with how many messages each sent today (UTC). POST
    connects one: its passwords are stored encrypted and never shown again."""

    required_scopes = scopes.every_method("sending:write")

    serializer_class = MailboxSerializer

    def get_queryset(self):
        return selectors.mailboxes_for_workspace(workspace=self.workspace)

    @extend_schema(
        request=MailboxWriteSerializer,
        responses={201: MailboxSerializer, 400: INVALID_MAILBOX},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = MailboxWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mailbox = services.mailbox_create(workspace=self.workspace, **serializer.validated_data)
        mailbox = selectors.mailbox_for_workspace_or_404(workspace=self.workspace, mailbox_id=mailbox.pk)
        return Response(MailboxSerializer(mailbox).data, status=status.HTTP_201_CREATED)


class MailboxDetailView(WorkspaceAPIView):
    """One mailbox. PATCH changes any setting (an omitted or empty password keeps the stored one) or
    ``status`` (active or paused); new connection settings bring a mailbox in ``error`` back to ``active``.
    DELETE removes it from its campaigns; its sent log stays."""

    required_scopes = scopes.every_method("sending:write")

    @extend_schema(responses={200: MailboxSerializer, 404: NOT_FOUND})
    def get(self, request, mailbox_id):
        mailbox = selectors.mailbox_for_workspace_or_404(workspace=self.workspace, mailbox_id=mailbox_id)
        return Response(MailboxSerializer(mailbox).data)

    @extend_schema(
        request=MailboxUpdateSerializer,
        responses={200: MailboxSerializer, 400: INVALID_MAILBOX, 404: NOT_FOUND},
    )
    def patch(self, request, mailbox_id):
        mailbox = selectors.mailbox_for_workspace_or_404(workspace=self.workspace, mailbox_id=mailbox_id)
        serializer = MailboxUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mailbox_update(workspace=self.workspace, mailbox=mailbox, **serializer.validated_data)
        mailbox = selectors.mailbox_for_workspace_or_404(workspace=self.workspace, mailbox_id=mailbox_id)
        return Response(MailboxSerializer(mailbox).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND})
    def delete(self, request, mailbox_id):
        mailbox = selectors.mailbox_for_workspace_or_404(workspace=self.workspace, mailbox_id=mailbox_id)
        services.mailbox_delete(workspace=self.workspace, mailbox=mailbox)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MailboxTestView(WorkspaceAPIView):
    """Logs in to the mailbox's SMTP and IMAP servers now and says how it went, in the servers' words. A
    host that resolves to an internal address is refused without connecting. Both working bring a mailbox
    in ``error`` back to ``active``."""

    required_scopes = scopes.every_method("sending:write")

    @extend_schema(
        request=None, responses={200: MailboxTestSerializer, 404: NOT_FOUND}, parameters=[IDEMPOTENCY_KEY]
    )
    def post(self, request, mailbox_id):
        mailbox = selectors.mailbox_for_workspace_or_404(workspace=self.workspace, mailbox_id=mailbox_id)
        answer = services.mailbox_test(workspace=self.workspace, mailbox=mailbox)
        return Response(MailboxTestSerializer(answer).data)
