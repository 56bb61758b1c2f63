"""Reads of webhooks: a workspace's endpoints and an endpoint's delivery log, and what the sweep finds."""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Workspace
from core.api.models import Event
from webhooks.models import Delivery, Endpoint

# An event still undispatched this long after it was written lost its way (a crash between its commit
# and the queue, or a queue that did not answer): the sweep dispatches it.
UNDISPATCHED_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 1000


def endpoints_for_workspace(*, workspace: Workspace) -> QuerySet[Endpoint]:
    return Endpoint.objects.for_workspace(workspace).order_by("-id")


def endpoint_for_workspace_or_404(*, workspace: Workspace, endpoint_id: int | str) -> Endpoint:
    return Endpoint.objects.get_for_workspace_or_404(workspace, endpoint_id)


def deliveries_of_endpoint(*, workspace: Workspace, endpoint: Endpoint) -> QuerySet[Delivery]:
    """The endpoint's log, newest first, each row with its event."""
    return (
        Delivery.objects.for_workspace(workspace)
        .filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-id")
    )


def delivery_of_endpoint_or_404(
    *, workspace: Workspace, endpoint: Endpoint, delivery_id: int | str
) -> Delivery:
    """One delivery of the endpoint: another endpoint's or another workspace's id is a 404."""
    deliveries = Delivery.objects.for_workspace(workspace).filter(endpoint=endpoint).select_related("event")
    try:
        return deliveries.get(pk=delivery_id)
    except (Delivery.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No delivery with that id.") from exc


def events_undispatched(*, now: datetime | None = None) -> list[int]:
    cutoff = (now or timezone.now()) - UNDISPATCHED_AFTER
    events = Event.objects.unscoped().filter(dispatched_at__isnull=True, created_at__lt=cutoff)
    return list(events.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])


def deliveries_due(*, now: datetime | None = None) -> list[int]:
    due = Delivery.objects.unscoped().filter(
        state=Delivery.State.PENDING, next_attempt_at__lte=now or timezone.now()
    )
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
