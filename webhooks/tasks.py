import logging

from celery import shared_task

from webhooks import selectors, services

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.tasks.dispatch_event", acks_late=True)
def dispatch_event(event_id):
    """Fans one event out to its endpoints and queues the first attempts."""
    for delivery_id in services.event_dispatch(event_id=event_id):
        deliver.delay(delivery_id)


# A receiver that trickles its answer defeats the per-read timeout; past this the attempt's process is
# killed and the sweep counts the attempt as failed (its worker died), so retries go on.
@shared_task(name="webhooks.tasks.deliver", acks_late=True, time_limit=120)
def deliver(delivery_id):
    """One attempt, if it is due and nobody else is making it."""
    services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.tasks.sweep", acks_late=True)
def sweep():
    """Beat, every minute: events left undispatched, attempts whose worker died, and retries now due."""
    for event_id in selectors.events_undispatched():
        dispatch_event.delay(event_id)
    services.deliveries_abandoned_fail()
    for delivery_id in selectors.deliveries_due():
        deliver.delay(delivery_id)


def dispatch_soon(event_id):
    """The outbox's listener (core.events), called after the commit of each event. A queue that does not
    answer loses nothing: the sweep finds the event undispatched."""
    try:
        dispatch_event.delay(event_id)
    except Exception:
        logger.exception("Event %s could not be queued for webhooks; the sweep will dispatch it.", event_id)
