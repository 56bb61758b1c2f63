"""Plans, packs and add-ons are edited here; credits and subscriptions only change through the services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db import transaction

from billing import services
from billing.models import (
    AddOn,
    CreditGrant,
    CreditPack,
    LedgerEntry,
    Payment,
    Plan,
    Quota,
    Subscription,
    SubscriptionAddOn,
)
from core.admin import ReadOnlyAdmin
from core.errors import DomainError


def _refresh_limits(subscriptions):
    # Quota rows are locked in one order, so that two such saves cannot deadlock.
    for subscription in subscriptions.select_related("workspace").order_by("workspace_id"):
        services.active_leads_limit_refresh(workspace=subscription.workspace)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active_leads_limit", "monthly_lead_credits", "price_cents"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "active_leads_limit" in form.changed_data:
            _refresh_limits(Subscription.all_workspaces.filter(plan=obj))


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "credits", "price_cents"]


@admin.register(AddOn)
class AddOnAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active_leads", "price_cents"]
    filter_horizontal = ["plans"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "active_leads" in form.changed_data:
            holders = SubscriptionAddOn.all_workspaces.filter(addon=obj).values("workspace")
            _refresh_limits(Subscription.all_workspaces.filter(workspace__in=holders))


class GrantCreditsForm(ActionForm):
    amount = forms.IntegerField(min_value=1, required=False, help_text="Lead credits to grant")
    reason = forms.CharField(max_length=200, required=False)
    expires_at = forms.DateTimeField(required=False, help_text="Empty: never expires")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["workspace", "plan", "status", "current_period_end", "scheduled_plan"]
    list_filter = ["plan", "status"]
    search_fields = ["workspace__name", "workspace__slug"]
    action_form = GrantCreditsForm
    actions = ["grant_credits"]

    def has_grant_credits_permission(self, request):
        return request.user.has_perm("billing.add_creditgrant")

    @admin.action(description="Grant lead credits to the selected workspaces", permissions=["grant_credits"])
    def grant_credits(self, request, queryset):
        form = GrantCreditsForm(request.POST)
        form.fields["action"].choices = self.get_action_choices(request)
        data = form.cleaned_data if form.is_valid() else {}
        if form.errors:
            errors = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in form.errors.items())
            self.message_user(request, f"Nothing was granted ({errors}).", messages.ERROR)
            return
        if not data.get("amount") or not data.get("reason", "").strip():
            self.message_user(request, "Give an amount (at least 1) and a reason.", messages.ERROR)
            return
        subscription = None
        try:
            with transaction.atomic():  # every selected workspace, or none
                for subscription in queryset.select_related("workspace").order_by("workspace_id"):
                    services.lead_credits_grant(
                        workspace=subscription.workspace,
                        amount=data["amount"],
                        source=CreditGrant.Source.ADJUSTMENT,
                        description=f"Granted by {request.user}: {data['reason']}",
                        expires_at=data["expires_at"],
                        actor=request.user,
                    )
        except DomainError as exc:
            message = f"{subscription.workspace}: {exc.message} Nothing was granted."
            self.message_user(request, message, messages.ERROR)
            return
        self.message_user(request, f"Granted {data['amount']} credits to {queryset.count()} workspaces.")


@admin.register(SubscriptionAddOn)
class SubscriptionAddOnAdmin(ReadOnlyAdmin):
    list_display = ["workspace", "addon", "quantity", "created_at"]


@admin.register(Quota)
class QuotaAdmin(ReadOnlyAdmin):
    list_display = ["workspace", "active_leads_used", "active_leads_limit", "updated_at"]
    search_fields = ["workspace__name", "workspace__slug"]


@admin.register(CreditGrant)
class CreditGrantAdmin(ReadOnlyAdmin):
    list_display = ["workspace", "source", "amount", "remaining", "expires_at", "created_at"]
    list_filter = ["source"]
    search_fields = ["workspace__name", "workspace__slug", "description"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "workspace", "kind", "amount", "balance_after", "description", "reference"]
    list_filter = ["kind"]
    search_fields = ["workspace__name", "workspace__slug", "reference", "description"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "workspace", "purpose", "amount_cents", "provider", "description"]
    list_filter = ["purpose", "provider"]
