"""Events for webhooks (rule 26), written as an outbox: the app that changes something calls
``event_emit`` inside the transaction that changes it, so the event exists exactly when the change does.

Core imports no app, and no app below webhooks imports webhooks: the webhooks app registers a listener
(``register_event_listener``) that is called with each event's primary key after the commit, and sweeps
events a crash left undispatched.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction

from core.api.models import Event

# The types a webhook endpoint may choose (API.md).
EVENT_TYPES = (
    "lead.replied",
    "lead.bounced",
    "lead.unsubscribed",
    "lead.completed",
    "import.finished",
    "leadfinder.download.created",
    "active_leads.full",
    "lead_credits.low",
)

type EventListener = Callable[[int], None]

_listeners: list[EventListener] = []


def register_event_listener(listener: EventListener) -> EventListener:
    """Registers ``listener(event_pk)``, called after the commit of each emitted event."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def event_emit(*, workspace: Any, type: str, data: Mapping[str, Any]) -> Event:
    """Records that ``type`` happened in ``workspace`` with ``data`` (JSON), in the caller's transaction."""
    if type not in EVENT_TYPES:
        raise ValueError(f"{type!r} is not an event type.")
    event = Event.objects.create(workspace=workspace, type=type, data=dict(data))
    for listener in _listeners:
        transaction.on_commit(lambda listener=listener: listener(event.pk))
    return event
