from rest_framework import serializers

from billing.models import AddOn, CreditGrant, CreditPack, LedgerEntry, Plan, Subscription
from billing.services import MAX_ADDON_QUANTITY, MAX_MEMBER_CREDIT_CAP
from core.api.serializers import StrictSerializer


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["code", "name", "active_leads_limit", "monthly_lead_credits", "price_cents"]


class PlanReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["code", "name"]


class ActiveLeadsUsageSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    used = serializers.IntegerField()
    available = serializers.IntegerField()


class LeadCreditsUsageSerializer(serializers.Serializer):
    balance = serializers.IntegerField()
    monthly_allowance = serializers.IntegerField()
    expiring_at_period_end = serializers.IntegerField()
    period_end = serializers.DateTimeField()


class UsageSerializer(serializers.Serializer):
    active_leads = ActiveLeadsUsageSerializer()
    lead_credits = LeadCreditsUsageSerializer()


class SubscriptionSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    scheduled_plan = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Subscription
        fields = ["plan", "status", "current_period_start", "current_period_end", "scheduled_plan"]


class SubscriptionChangeSerializer(StrictSerializer):
    plan = serializers.SlugField(
        max_length=Plan._meta.get_field("code").max_length, help_text="Code of the plan to move to."
    )


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "created_at", "kind", "amount", "balance_after", "description", "reference"]


class CreditPackSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditPack
        fields = ["code", "name", "credits", "price_cents"]


class CreditPackPurchaseSerializer(StrictSerializer):
    pack = serializers.SlugField(
        max_length=CreditPack._meta.get_field("code").max_length, help_text="Code of the credit pack to buy."
    )


class CreditGrantSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditGrant
        fields = ["id", "source", "amount", "remaining", "expires_at", "description", "created_at"]


class CreditPackPurchaseResultSerializer(serializers.Serializer):
    pack = serializers.SlugField()
    grant = CreditGrantSerializer()
    ledger_entry = LedgerEntrySerializer()
    lead_credits_balance = serializers.IntegerField()


class AddOnSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    active_leads = serializers.IntegerField(help_text="Slots each unit adds to the active-leads limit.")
    price_cents = serializers.IntegerField(help_text="Price of one unit for one monthly period.")
    available_on_plan = serializers.BooleanField(help_text="Whether the workspace's plan may take it.")
    quantity = serializers.IntegerField(help_text="Units the workspace has.")


class AddOnChangeSerializer(StrictSerializer):
    addon = serializers.SlugField(
        max_length=AddOn._meta.get_field("code").max_length, help_text="Code of the add-on."
    )
    quantity = serializers.IntegerField(
        min_value=0, max_value=MAX_ADDON_QUANTITY, help_text="Units to have; 0 removes it."
    )


def release_finished_leads_field() -> serializers.BooleanField:
    """The workspace setting of rule 22, as ``/workspace`` shows and (owners) changes it."""
    return serializers.BooleanField(
        help_text=(
            "A finished lead (completed, replied, bounced, unsubscribed) keeps its history but takes no "
            "active-lead slot. Switching recounts active_leads.used; switching off may leave it above the "
            "limit (adding waits until there is room). Owners only."
        )
    )


class MemberCreditsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="membership.pk", help_text="The member's id in this workspace.")
    email = serializers.EmailField(source="membership.user.email")
    role = serializers.CharField(source="membership.role")
    cap = serializers.IntegerField(
        allow_null=True, help_text="Lead credits the member may spend per billing period; null: no cap."
    )
    spent = serializers.IntegerField(
        help_text="Lead credits the member spent this billing period (debits less their refunds)."
    )
    left = serializers.IntegerField(
        allow_null=True, help_text="What the cap leaves this period; null: no cap."
    )


class MemberCreditCapChangeSerializer(StrictSerializer):
    cap = serializers.IntegerField(
        min_value=0,
        max_value=MAX_MEMBER_CREDIT_CAP,
        allow_null=True,
        help_text="Lead credits per billing period (0: none); null removes the cap. Owners are never capped.",
    )
