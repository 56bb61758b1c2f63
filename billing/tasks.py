from celery import shared_task

from billing import services


@shared_task
def renew_subscriptions():
    """Renews subscriptions whose period ended and writes due credit expiries (beat, every 15 minutes)
    for workspaces nobody reads or changes: those that do catch up first (billing.services)."""
    return services.subscriptions_renew_due()
