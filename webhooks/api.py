"""``/webhooks`` of ``/api/v1`` (API.md): a workspace's endpoints, their delivery logs, a test and a
redelivery. Admins and owners only, as API keys are: an endpoint receives the workspace's data."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from accounts import scopes
from accounts.permissions import IsWorkspaceAdmin
from core.api import idempotency
from core.api.schema import IDEMPOTENCY_KEY, NOT_FOUND
from core.api.views import WorkspaceAPIView
from webhooks import selectors, services
from webhooks.serializers import (
    DeliverySerializer,
    EndpointCreatedSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    EndpointWriteSerializer,
)

INVALID_ENDPOINT = OpenApiResponse(
    description="invalid: the URL is not https:// or points at an internal address, or events is empty or "
    "names an unknown type; details name the field."
)
ADMINS_ONLY = OpenApiResponse(description="permission_denied: only admins and owners manage webhooks.")


class WebhookAPIView(WorkspaceAPIView):
    permission_classes = [IsWorkspaceAdmin]
    required_scopes = scopes.every_method("webhooks:write")

    def endpoint(self, endpoint_id):
        return selectors.endpoint_for_workspace_or_404(workspace=self.workspace, endpoint_id=endpoint_id)

    def finalize_response(self, request, response, *args, **kwargs):
        # A replay of an answer that shows a secret (same Idempotency-Key) carries none: it is stored
        # nowhere in clear.
        data = getattr(response, "data", None)
        if self.idempotency_record is not None and isinstance(data, dict) and data.get("secret"):
            idempotency.complete(
                self.idempotency_record, Response({**data, "secret": None}, status=response.status_code)
            )
            self.idempotency_record = None
        return super().finalize_response(request, response, *args, **kwargs)


class WebhookListView(WebhookAPIView, generics.ListAPIView):
    """The workspace's endpoints, newest first. POST makes one: its signing secret is in that answer
    only."""

    serializer_class = EndpointSerializer

    def get_queryset(self):
        return selectors.endpoints_for_workspace(workspace=self.workspace)

    @extend_schema(responses={200: EndpointSerializer(many=True), 403: ADMINS_ONLY})
    def get(self, request):
        return super().get(request)

    @extend_schema(
        request=EndpointWriteSerializer,
        responses={201: EndpointCreatedSerializer, 400: INVALID_ENDPOINT, 403: ADMINS_ONLY},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = EndpointWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(workspace=self.workspace, **serializer.validated_data)
        data = {**EndpointSerializer(endpoint).data, "secret": secret}
        return Response(data, status=status.HTTP_201_CREATED)


class WebhookDetailView(WebhookAPIView):
    """One endpoint. PATCH changes its URL, events or ``active`` (switched off: no new deliveries, and its
    retries still waiting fail). DELETE removes it with its delivery log; retries waiting for it are
    dropped."""

    @extend_schema(responses={200: EndpointSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND})
    def get(self, request, endpoint_id):
        return Response(EndpointSerializer(self.endpoint(endpoint_id)).data)

    @extend_schema(
        request=EndpointUpdateSerializer,
        responses={200: EndpointSerializer, 400: INVALID_ENDPOINT, 403: ADMINS_ONLY, 404: NOT_FOUND},
    )
    def patch(self, request, endpoint_id):
        endpoint = self.endpoint(endpoint_id)
        serializer = EndpointUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            workspace=self.workspace, endpoint=endpoint, **serializer.validated_data
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None, 403: ADMINS_ONLY, 404: NOT_FOUND})
    def delete(self, request, endpoint_id):
        services.endpoint_delete(workspace=self.workspace, endpoint=self.endpoint(endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRollView(WebhookAPIView):
    """Gives the endpoint a new signing secret, in this answer only. For 24 hours every request is signed
    with the new secret and the one before (two ``v1=`` in ``Leadpool-Signature``), so the receiver can
    switch without missing an event; ``previous_secret_until`` says until when."""

    @extend_schema(
        request=None,
        responses={200: EndpointCreatedSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, endpoint_id):
        endpoint, secret = services.endpoint_secret_roll(
            workspace=self.workspace, endpoint=self.endpoint(endpoint_id)
        )
        return Response({**EndpointSerializer(endpoint).data, "secret": secret})


class WebhookTestView(WebhookAPIView):
    """Sends a signed ``webhook.test`` event to the endpoint now and answers with the delivery: its
    ``status_code`` and ``error`` say how the endpoint answered (one attempt, no retries)."""

    @extend_schema(
        request=None,
        responses={200: DeliverySerializer, 403: ADMINS_ONLY, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, endpoint_id):
        delivery = services.endpoint_test(workspace=self.workspace, endpoint=self.endpoint(endpoint_id))
        return Response(DeliverySerializer(delivery).data)


class WebhookDeliveriesView(WebhookAPIView, generics.ListAPIView):
    """The endpoint's delivery log, newest first: every attempt, including pending retries."""

    replica_reads = True
    serializer_class = DeliverySerializer

    def get_queryset(self):
        endpoint = self.endpoint(self.kwargs["endpoint_id"])
        return selectors.deliveries_of_endpoint(workspace=self.workspace, endpoint=endpoint)

    @extend_schema(responses={200: DeliverySerializer(many=True), 403: ADMINS_ONLY, 404: NOT_FOUND})
    def get(self, request, endpoint_id):
        return super().get(request, endpoint_id)


class WebhookRedeliverView(WebhookAPIView):
    """Sends the delivery's event to the endpoint again now (same event id and body, a new signature) and
    answers with the new delivery (one attempt, no retries)."""

    @extend_schema(
        request=None,
        responses={200: DeliverySerializer, 403: ADMINS_ONLY, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, endpoint_id, delivery_id):
        endpoint = self.endpoint(endpoint_id)
        delivery = selectors.delivery_of_endpoint_or_404(
            workspace=self.workspace, endpoint=endpoint, delivery_id=delivery_id
        )
        again = services.delivery_redeliver(workspace=self.workspace, endpoint=endpoint, delivery=delivery)
        return Response(DeliverySerializer(again).data)
