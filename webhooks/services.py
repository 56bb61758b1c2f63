"""Writes of webhooks (DESIGN.md rules 25, 26): endpoints, the fan-out of an event into deliveries, each
attempt and its retries, tests and redeliveries by hand.

An event (``core.events.event_emit``, written in the transaction of its change) is fanned out after the
commit: one delivery per active endpoint of the workspace that chose its type, and the event is marked
dispatched in the same transaction. A delivery is claimed (``sending``) before its request and recorded
after it, outside any transaction: the request takes up to ``posting.TIMEOUT_SECONDS``. A failed attempt
(no answer, or anything but a 2xx) is followed by the next one after 1 minute, doubling each time, until
24 hours after the event (the last attempt is at that mark); then the chain gives up. Every attempt is a
row of the log.
"""

import ipaddress
import json
import logging
import secrets as random_secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Workspace
from core import secrets
from core.api.models import Event
from core.errors import DomainError
from core.events import EVENT_TYPES
from core.hosts import HostRefused, resolve_public
from webhooks.models import Delivery, Endpoint
from webhooks.posting import PostFailed, post
from webhooks.signing import HEADER, signature_header

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# How long the secret before a roll keeps signing beside the new one.
SECRET_OVERLAP = timedelta(hours=24)
# The type of the event a Test button sends: to that endpoint only, never fanned out.
TEST_EVENT_TYPE = "webhook.test"
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY_AFTER = timedelta(minutes=1)
# A delivery claimed this long ago and not recorded was left by a worker that died: it counts as failed.
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_URL_LENGTH: int = Endpoint._meta.get_field("url").max_length or 2000
State = Delivery.State


def url_problem(url: str) -> str:
    """Why ``url`` cannot be an endpoint's, or "". HTTPS only, unless private hosts are allowed (development
    and tests) or DEBUG; an internal IP address is refused here already, a name when it is resolved."""
    allow_http = settings.ALLOW_PRIVATE_HOSTS or settings.DEBUG
    schemes = ["https", "http"] if allow_http else ["https"]
    if len(url) > MAX_URL_LENGTH:
        return f"At most {MAX_URL_LENGTH} characters."
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        return "Enter a full URL, such as https://example.com/leadpool-events."
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        return "The URL must start with https:// (the events carry your contacts' data)."
    if parts.username is not None or parts.password is not None:
        return "A URL with a user name or password is not taken: check the signature instead."
    try:
        ipaddress.ip_address(parts.hostname or "")
    except ValueError:
        return ""  # a name: checked on the addresses it resolves to, at each connection
    try:
        resolve_public(parts.hostname or "", parts.port or 443)
    except HostRefused as exc:
        return str(exc)
    return ""


def events_problem(events: Iterable[str]) -> str:
    events = list(events)
    if not events:
        return "Choose at least one event."
    unknown = [event for event in events if event not in EVENT_TYPES]
    if unknown:
        return f"{unknown[0]!r} is not an event type; the types are {', '.join(EVENT_TYPES)}."
    return ""


def new_secret() -> str:
    return SECRET_PREFIX + random_secrets.token_urlsafe(32)


def _refuse_problems(**checked: str) -> None:
    """A 400 naming each field whose problem is not "" (nothing is changed)."""
    problems = {field: [problem] for field, problem in checked.items() if problem}
    if problems:
        raise DomainError(" ".join(messages[0] for messages in problems.values()), details=problems)


@transaction.atomic
def endpoint_create(*, workspace: Workspace, url: str, events: Iterable[str]) -> tuple[Endpoint, str]:
    """A new endpoint and its secret, which is returned here and never again (it is stored encrypted)."""
    url, events = url.strip(), list(events)
    _refuse_problems(url=url_problem(url), events=events_problem(events))
    secret = new_secret()
    endpoint = Endpoint.objects.create(
        workspace=workspace,
        url=url,
        events=[event for event in EVENT_TYPES if event in events],
        secret_encrypted=secrets.encrypt(secret),
    )
    logger.info("Webhook endpoint %s created in workspace %s.", endpoint.pk, workspace.pk)
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    workspace: Workspace,
    endpoint: Endpoint,
    url: str | None = None,
    events: Iterable[str] | None = None,
    active: bool | None = None,
) -> Endpoint:
    """Changes what is given of the endpoint's URL (checked as when it was made), events and ``active``.
    Switched off, it gets no new deliveries and its retries still waiting fail at once (the log says so);
    switched on again, it gets the events that happen from then on."""
    url = None if url is None else url.strip()
    events = None if events is None else list(events)
    _refuse_problems(
        url="" if url is None else url_problem(url), events="" if events is None else events_problem(events)
    )
    locked = Endpoint.objects.for_workspace(workspace).select_for_update().get(pk=endpoint.pk)
    if url is not None:
        locked.url = url
    if events is not None:
        locked.events = [event for event in EVENT_TYPES if event in events]
    if active is not None:
        if locked.active and not active:
            Delivery.objects.for_workspace(workspace).filter(endpoint=locked, state=State.PENDING).update(
                state=State.FAILED,
                next_attempt_at=None,
                error="The endpoint was switched off before this attempt.",
            )
        locked.active = active
    locked.save(update_fields=["url", "events", "active"])
    return locked


@transaction.atomic
def endpoint_secret_roll(
    *, workspace: Workspace, endpoint: Endpoint, now: datetime | None = None
) -> tuple[Endpoint, str]:
    """The endpoint with a new secret, and that secret, which is returned here and never again. The secret
    before it keeps signing beside the new one for ``SECRET_OVERLAP`` (a receiver that checks either lets
    both through while it switches); rolled again within that time, the oldest stops at once."""
    now = now or timezone.now()
    locked = Endpoint.objects.for_workspace(workspace).select_for_update().get(pk=endpoint.pk)
    secret = new_secret()
    locked.previous_secret_encrypted = locked.secret_encrypted
    locked.previous_secret_until = now + SECRET_OVERLAP
    locked.secret_encrypted = secrets.encrypt(secret)
    locked.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_until"])
    logger.info("Webhook endpoint %s of workspace %s got a new secret.", endpoint.pk, workspace.pk)
    return locked, secret


def signing_secrets(endpoint: Endpoint, now: datetime) -> list[str]:
    """The secrets a request to ``endpoint`` is signed with now: its own, then the one before while the
    overlap lasts."""
    current = [secrets.decrypt(endpoint.secret_encrypted)]
    if endpoint.previous_secret_until is not None and now < endpoint.previous_secret_until:
        return [*current, secrets.decrypt(endpoint.previous_secret_encrypted)]
    return current


@transaction.atomic
def endpoint_delete(*, workspace: Workspace, endpoint: Endpoint) -> None:
    """Deletes the endpoint and its delivery log; retries waiting for it are dropped."""
    Endpoint.objects.for_workspace(workspace).filter(pk=endpoint.pk).delete()


def event_body(event: Event) -> bytes:
    """The exact bytes POSTed (and signed) for ``event``: the same for every attempt."""
    created_at = event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    payload = {
        "id": event.public_id,
        "type": event.type,
        "created_at": created_at,
        "workspace": event.workspace_id,
        "data": event.data,
    }
    # Sorted keys: the same bytes whether the data comes from memory or back from jsonb.
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def event_dispatch(*, event_id: int, now: datetime | None = None) -> list[int]:
    """Fans the event out (once: an event already dispatched is left alone) and returns the ids of the
    deliveries to make now."""
    now = now or timezone.now()
    with transaction.atomic():
        event = (
            Event.objects.unscoped()
            .select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is None:
            return []
        endpoints = Endpoint.objects.unscoped().filter(
            workspace_id=event.workspace_id, active=True, events__contains=[event.type]
        )
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                workspace_id=event.workspace_id,
                endpoint=endpoint,
                event=event,
                attempt=1,
                next_attempt_at=now,
            )
            for endpoint in endpoints.order_by("pk")
        )
        event.dispatched_at = now
        event.save(update_fields=["dispatched_at"])
    return [delivery.pk for delivery in deliveries]


def _claim(delivery_id: int, now: datetime) -> Delivery | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.unscoped()
            .select_for_update(skip_locked=True)
            .filter(pk=delivery_id, state=State.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.state, delivery.attempted_at, delivery.next_attempt_at = State.SENDING, now, None
        delivery.save(update_fields=["state", "attempted_at", "next_attempt_at"])
    return delivery


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Makes the delivery if it is due and nobody else is making it; returns it recorded, or None."""
    delivery = _claim(delivery_id, now or timezone.now())
    return None if delivery is None else _send(delivery)


def _send(delivery: Delivery) -> Delivery:
    endpoint = Endpoint.objects.unscoped().get(pk=delivery.endpoint_id)
    event = Event.objects.unscoped().get(pk=delivery.event_id)
    body = event_body(event)
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Leadpool-Webhooks/1.0",
        HEADER: signature_header(signing_secrets(endpoint, timezone.now()), body, timestamp),
    }
    try:
        answer = post(endpoint.url, body, headers)
    except PostFailed as exc:
        return _record(delivery, status_code=None, error=str(exc), snippet="")
    error = "" if 200 <= answer.status < 300 else f"The endpoint answered {answer.status}, not a 2xx."
    return _record(delivery, status_code=answer.status, error=error, snippet=answer.snippet)


def _next_attempt_number(endpoint: Endpoint, event_id: int) -> int:
    done = Delivery.objects.unscoped().filter(endpoint=endpoint, event_id=event_id)
    return (done.aggregate(last=Max("attempt"))["last"] or 0) + 1


def retry_at(delivery: Delivery, event_created_at: datetime) -> datetime | None:
    """When the attempt after the failed ``delivery`` is made, or None: the chain gives up. The wait
    doubles from 1 minute; the last attempt is at 24 h after the event."""
    deadline = event_created_at + RETRY_FOR
    failed_at = delivery.attempted_at or timezone.now()
    if not delivery.retries or failed_at >= deadline:
        return None
    wait = FIRST_RETRY_AFTER * 2 ** min(delivery.attempt - 1, 20)
    return min(failed_at + wait, deadline)


@transaction.atomic
def _record(delivery: Delivery, *, status_code: int | None, error: str, snippet: str) -> Delivery:
    """Writes how the attempt went and, when it failed, the next attempt of its chain. The endpoint is
    locked first (it numbers the attempts; deleting it locks it before its deliveries)."""
    endpoint = Endpoint.objects.unscoped().select_for_update().filter(pk=delivery.endpoint_id).first()
    current = Delivery.objects.unscoped().select_for_update().filter(pk=delivery.pk).first()
    if endpoint is None or current is None:
        return delivery  # the endpoint was deleted meanwhile, with its log
    if current.state != State.SENDING:
        return current  # recorded already (taken for abandoned after CLAIM_TIMEOUT)
    delivered = status_code is not None and 200 <= status_code < 300
    current.state = State.DELIVERED if delivered else State.FAILED
    current.status_code, current.error, current.response_snippet = status_code, error, snippet
    current.save(update_fields=["state", "status_code", "error", "response_snippet"])
    if not delivered:
        event_created_at = (
            Event.objects.unscoped().values_list("created_at", flat=True).get(pk=current.event_id)
        )
        when = retry_at(current, event_created_at)
        if when is not None:
            Delivery.objects.create(
                workspace_id=current.workspace_id,
                endpoint=endpoint,
                event_id=current.event_id,
                attempt=_next_attempt_number(endpoint, current.event_id),
                next_attempt_at=when,
            )
    return current


def _start_by_hand(*, workspace: Workspace, endpoint: Endpoint, event: Event) -> Delivery:
    locked = Endpoint.objects.for_workspace(workspace).select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    return Delivery.objects.create(
        workspace=workspace,
        endpoint=locked,
        event=event,
        attempt=_next_attempt_number(locked, event.pk),
        state=State.SENDING,
        retries=False,
        attempted_at=now,
    )


def endpoint_test(*, workspace: Workspace, endpoint: Endpoint) -> Delivery:
    """Sends a signed ``webhook.test`` event to the endpoint now (one attempt, no retries) and returns the
    delivery as recorded."""
    with transaction.atomic():
        event = Event.objects.create(
            workspace=workspace,
            type=TEST_EVENT_TYPE,
            data={"endpoint": endpoint.pk, "message": "A test event sent from Leadpool."},
            dispatched_at=timezone.now(),
        )
        delivery = _start_by_hand(workspace=workspace, endpoint=endpoint, event=event)
    return _send(delivery)


def delivery_redeliver(*, workspace: Workspace, endpoint: Endpoint, delivery: Delivery) -> Delivery:
    """Sends the event of ``delivery`` to its endpoint again now, as it was (same id, same body; a new
    signature), as one more attempt without retries; returns it as recorded."""
    with transaction.atomic():
        event = Event.objects.for_workspace(workspace).get(pk=delivery.event_id)
        again = _start_by_hand(workspace=workspace, endpoint=endpoint, event=event)
    return _send(again)


def deliveries_abandoned_fail(*, now: datetime | None = None) -> int:
    """Deliveries claimed by a worker that died (no answer recorded after ``CLAIM_TIMEOUT``) count as
    failed attempts, and their chains go on. Returns how many."""
    now = now or timezone.now()
    stale = list(
        Delivery.objects.unscoped()
        .filter(state=State.SENDING, attempted_at__lt=now - CLAIM_TIMEOUT)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for delivery_id in stale:
        delivery = Delivery.objects.unscoped().get(pk=delivery_id)
        _record(
            delivery, status_code=None, error="The worker stopped before the endpoint answered.", snippet=""
        )
    return len(stale)
