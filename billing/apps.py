from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing and quotas"

    def ready(self):
        from accounts.signals import workspace_created
        from billing.receivers import start_subscription

        workspace_created.connect(start_subscription, dispatch_uid="billing.start_subscription")
