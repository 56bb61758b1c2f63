from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing and quotas"

    def ready(self):
        from accounts.members_sections import register_members_section
        from accounts.models import Role
        from accounts.signals import workspace_created
        from accounts.workspace_sections import register_workspace_section, register_workspace_setting
        from billing.receivers import start_subscription
        from billing.selectors import (
            release_finished_leads_of,
            subscription_for_workspace,
            usage_for_workspace,
        )
        from billing.serializers import PlanReferenceSerializer, UsageSerializer, release_finished_leads_field
        from billing.services import release_finished_leads_set
        from billing.views import member_credit_caps_section

        workspace_created.connect(start_subscription, dispatch_uid="billing.start_subscription")
        register_workspace_setting(
            "release_finished_leads",
            field=release_finished_leads_field,
            read=lambda workspace: release_finished_leads_of(workspace=workspace),
            write=release_finished_leads_set,
            role=Role.OWNER,
        )
        register_workspace_section(
            "plan",
            field=PlanReferenceSerializer,
            read=lambda workspace: subscription_for_workspace(workspace=workspace).plan,
        )
        register_workspace_section(
            "usage", field=UsageSerializer, read=lambda workspace: usage_for_workspace(workspace=workspace)
        )
        register_members_section(
            "credit_caps", template="billing/_member_credit_caps.html", context=member_credit_caps_section
        )
