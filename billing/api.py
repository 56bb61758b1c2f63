"""The usage and billing endpoints of ``/api/v1`` (API.md). Owners alone change billing."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from accounts import scopes
from accounts.permissions import IsWorkspaceMember, IsWorkspaceOwner
from billing import selectors, services
from billing.serializers import (
    AddOnChangeSerializer,
    AddOnSerializer,
    CreditPackPurchaseResultSerializer,
    CreditPackPurchaseSerializer,
    CreditPackSerializer,
    LedgerEntrySerializer,
    MemberCreditCapChangeSerializer,
    MemberCreditsSerializer,
    PlanSerializer,
    SubscriptionChangeSerializer,
    SubscriptionSerializer,
    UsageSerializer,
)
from core.api.schema import IDEMPOTENCY_KEY, INVALID_CODE, NOT_FOUND, OWNERS_ONLY
from core.api.views import WorkspaceAPIView


class OwnerWritesMixin:
    """Everyone in the workspace reads; only owners change billing."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsWorkspaceOwner()]
        return [IsWorkspaceMember()]


class UsageView(WorkspaceAPIView):
    """Active-lead slots (limit, used, available) and lead credits (balance, what expires)."""

    required_scopes = scopes.read_write("billing")

    @extend_schema(responses=UsageSerializer)
    def get(self, request):
        return Response(UsageSerializer(selectors.usage_for_workspace(workspace=self.workspace)).data)


class PlanListView(WorkspaceAPIView):
    """The plans a workspace can subscribe to."""

    required_scopes = scopes.read_write("billing")

    @extend_schema(responses=PlanSerializer(many=True))
    def get(self, request):
        return Response(PlanSerializer(selectors.plans(), many=True).data)


class SubscriptionView(OwnerWritesMixin, WorkspaceAPIView):
    """The workspace's plan and period. POST changes the plan: an upgrade applies now (a new period
    starts), a downgrade at the end of the period (``scheduled_plan``); the current plan cancels it."""

    required_scopes = {"GET": "billing:read", "POST": scopes.EVERY_SCOPE}

    @extend_schema(responses=SubscriptionSerializer)
    def get(self, request):
        subscription = selectors.subscription_for_workspace(workspace=self.workspace)
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(
        request=SubscriptionChangeSerializer,
        responses={200: SubscriptionSerializer, 400: INVALID_CODE, 403: OWNERS_ONLY},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = SubscriptionChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = services.subscription_change_plan(
            workspace=self.workspace, plan_code=serializer.validated_data["plan"], actor=request.user
        )
        return Response(SubscriptionSerializer(subscription).data)


class LedgerView(WorkspaceAPIView, generics.ListAPIView):
    """Every lead-credit movement of the workspace, newest first."""

    required_scopes = scopes.read_write("billing")

    serializer_class = LedgerEntrySerializer

    def get_queryset(self):
        return selectors.ledger_for_workspace(workspace=self.workspace)


class CreditPackView(OwnerWritesMixin, WorkspaceAPIView):
    """Credit packs on sale; POST buys one. Pack credits never expire."""

    required_scopes = {"GET": "billing:read", "POST": scopes.EVERY_SCOPE}

    @extend_schema(responses=CreditPackSerializer(many=True))
    def get(self, request):
        return Response(CreditPackSerializer(selectors.credit_packs(), many=True).data)

    @extend_schema(
        request=CreditPackPurchaseSerializer,
        responses={201: CreditPackPurchaseResultSerializer, 400: INVALID_CODE, 403: OWNERS_ONLY},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = CreditPackPurchaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pack_code = serializer.validated_data["pack"]
        grant = services.credit_pack_purchase(
            workspace=self.workspace, pack_code=pack_code, actor=request.user
        )
        result = {
            "pack": pack_code,
            "grant": grant,
            "ledger_entry": selectors.ledger_entry_of_grant(workspace=self.workspace, grant=grant),
            "lead_credits_balance": selectors.lead_credits_balance(workspace=self.workspace),
        }
        return Response(CreditPackPurchaseResultSerializer(result).data, status=status.HTTP_201_CREATED)


class AddOnView(OwnerWritesMixin, WorkspaceAPIView):
    """Recurring add-ons (e.g. +25,000 active-lead slots) and how many the workspace has. POST sets the
    quantity of one (0 removes it); added units are charged for the current period at once."""

    required_scopes = {"GET": "billing:read", "POST": scopes.EVERY_SCOPE}

    @extend_schema(responses=AddOnSerializer(many=True))
    def get(self, request):
        return Response(
            AddOnSerializer(selectors.addons_for_workspace(workspace=self.workspace), many=True).data
        )

    @extend_schema(
        request=AddOnChangeSerializer,
        responses={200: AddOnSerializer, 400: INVALID_CODE, 403: OWNERS_ONLY},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = AddOnChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = serializer.validated_data["addon"]
        services.subscription_addon_set(
            workspace=self.workspace,
            addon_code=code,
            quantity=serializer.validated_data["quantity"],
            actor=request.user,
        )
        return Response(
            AddOnSerializer(selectors.addon_for_workspace(workspace=self.workspace, code=code)).data
        )


class MemberCreditCapListView(WorkspaceAPIView):
    """Each member's lead-credit cap per billing period and what they spent of it this period. A take
    through an API key counts for the member who created the key; owners are never capped."""

    required_scopes = scopes.read_write("billing")

    @extend_schema(responses=MemberCreditsSerializer(many=True))
    def get(self, request):
        members = selectors.member_credits_for_workspace(workspace=self.workspace)
        return Response(MemberCreditsSerializer(members, many=True).data)


class MemberCreditCapView(WorkspaceAPIView):
    """One member's lead-credit cap; PUT sets it (owners only; ``null`` removes it)."""

    required_scopes = {"GET": "billing:read", "PUT": scopes.EVERY_SCOPE}

    def get_permissions(self):
        if self.request.method == "PUT":
            return [IsWorkspaceOwner()]
        return [IsWorkspaceMember()]

    @extend_schema(responses={200: MemberCreditsSerializer, 404: NOT_FOUND})
    def get(self, request, member_id):
        credits = selectors.member_credits_of(workspace=self.workspace, membership_id=member_id)
        return Response(MemberCreditsSerializer(credits).data)

    @extend_schema(
        request=MemberCreditCapChangeSerializer,
        responses={200: MemberCreditsSerializer, 400: INVALID_CODE, 403: OWNERS_ONLY, 404: NOT_FOUND},
    )
    def put(self, request, member_id):
        serializer = MemberCreditCapChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.member_credit_cap_set(
            workspace=self.workspace,
            membership_id=member_id,
            cap=serializer.validated_data["cap"],
            actor=request.user,
        )
        credits = selectors.member_credits_of(workspace=self.workspace, membership_id=member_id)
        return Response(MemberCreditsSerializer(credits).data)
