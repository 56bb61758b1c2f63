"""Rule 26 against a real HTTP receiver: signed, the exact body, retried with backoff after a 500 and after
a timeout until a 2xx, given up 24 h after the event, every attempt logged; rule 25: a refused address is
never reached."""

import json
from datetime import timedelta
from itertools import pairwise

import pytest
from django.db import transaction

from core.api.models import Event
from core.events import event_emit
from tests.webhooks.deliveries import first_attempt, valid_signature
from tests.webhooks.receiver import SLOW
from webhooks import posting, services, tasks
from webhooks.models import Delivery

State = Delivery.State


def emit(workspace, type="import.finished", data=None):
    with transaction.atomic():
        return event_emit(
            workspace=workspace, type=type, data=data or {"import_id": 7, "status": "succeeded"}
        )


def deliveries(endpoint):
    return list(
        Delivery.objects.for_workspace(endpoint.workspace).filter(endpoint=endpoint).order_by("attempt")
    )


def next_attempt(endpoint):
    """The pending attempt of the endpoint's chain, made at the moment it is due."""
    (pending,) = [delivery for delivery in deliveries(endpoint) if delivery.state == State.PENDING]
    return services.delivery_attempt(delivery_id=pending.pk, now=pending.next_attempt_at)


def test_a_delivery_posts_the_event_signed_with_the_endpoints_secret(
    workspace, receiver, endpoint_and_secret
):
    endpoint, secret = endpoint_and_secret
    event = emit(workspace)

    delivery = first_attempt(event)

    (request,) = receiver.requests
    assert request.path == "/hooks"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == services.event_body(event)
    assert json.loads(request.body) == {
        "id": event.public_id,
        "type": "import.finished",
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "workspace": workspace.pk,
        "data": {"import_id": 7, "status": "succeeded"},
    }
    assert valid_signature(secret, request.headers["Leadpool-Signature"], request.body)
    assert not valid_signature("whsec_another", request.headers["Leadpool-Signature"], request.body)
    assert (delivery.state, delivery.status_code, delivery.attempt, delivery.error) == (
        State.DELIVERED,
        200,
        1,
        "",
    )
    assert deliveries(endpoint) == [delivery]
    assert Event.objects.for_workspace(workspace).get(pk=event.pk).dispatched_at is not None


def test_the_host_header_names_the_urls_host_while_the_connection_goes_to_the_checked_address(
    workspace, receiver
):
    endpoint, _ = services.endpoint_create(
        workspace=workspace,
        url=receiver.url(host="localhost") + "?source=leadpool",
        events=["import.finished"],
    )

    first_attempt(emit(workspace))

    (request,) = receiver.requests
    assert request.headers["Host"] == f"localhost:{receiver.port}"
    assert request.path == "/hooks?source=leadpool"
    assert deliveries(endpoint)[0].state == State.DELIVERED


def test_only_the_endpoints_that_chose_the_type_get_the_event_and_once(workspace, other_workspace, receiver):
    chose, _ = services.endpoint_create(
        workspace=workspace, url=receiver.url("/a"), events=["import.finished"]
    )
    services.endpoint_create(workspace=workspace, url=receiver.url("/b"), events=["lead_credits.low"])
    services.endpoint_create(workspace=other_workspace, url=receiver.url("/c"), events=["import.finished"])
    event = emit(workspace)

    ids = services.event_dispatch(event_id=event.pk)

    assert services.event_dispatch(event_id=event.pk) == []
    assert [delivery.pk for delivery in deliveries(chose)] == ids
    assert Delivery.objects.unscoped().count() == 1


def test_a_500_is_retried_a_minute_later_and_then_delivered(workspace, receiver, endpoint_and_secret):
    endpoint, secret = endpoint_and_secret
    receiver.answers = [500]
    event = emit(workspace)

    failed = first_attempt(event)

    assert (failed.state, failed.status_code) == (State.FAILED, 500)
    assert "500" in failed.error
    assert failed.response_snippet == "answer 500"
    pending = deliveries(endpoint)[1]
    assert (pending.attempt, pending.state) == (2, State.PENDING)
    assert pending.next_attempt_at == failed.attempted_at + timedelta(minutes=1)
    assert services.delivery_attempt(delivery_id=pending.pk, now=failed.attempted_at) is None, "not due yet"

    delivered = next_attempt(endpoint)

    assert (delivered.state, delivered.status_code) == (State.DELIVERED, 200)
    assert [d.state for d in deliveries(endpoint)] == [State.FAILED, State.DELIVERED]
    first, second = receiver.requests
    assert first.body == second.body, "the same event, byte for byte"
    assert all(valid_signature(secret, r.headers["Leadpool-Signature"], r.body) for r in receiver.requests)


def test_no_answer_in_time_is_retried_and_then_delivered(
    workspace, receiver, endpoint_and_secret, monkeypatch
):
    endpoint, _ = endpoint_and_secret
    monkeypatch.setattr(posting, "TIMEOUT_SECONDS", 0.5)
    receiver.answers = [SLOW]

    timed_out = first_attempt(emit(workspace))

    assert (timed_out.state, timed_out.status_code) == (State.FAILED, None)
    assert timed_out.error == "No answer within 0.5 seconds."
    assert next_attempt(endpoint).state == State.DELIVERED
    assert len(receiver.requests) == 2


def test_the_wait_doubles_and_the_chain_gives_up_24_hours_after_the_event(
    workspace, receiver, endpoint_and_secret
):
    endpoint, _ = endpoint_and_secret
    receiver.answers = [503] * 100
    event = emit(workspace)

    first_attempt(event)
    while any(delivery.state == State.PENDING for delivery in deliveries(endpoint)):
        next_attempt(endpoint)

    log = deliveries(endpoint)
    waits = [later.attempted_at - earlier.attempted_at for earlier, later in pairwise(log)]
    assert waits[:10] == [timedelta(minutes=2**n) for n in range(10)]
    assert log[-1].attempted_at == event.created_at + timedelta(hours=24), "the last attempt is at the mark"
    assert len(log) == 12 == len(receiver.requests)
    assert {delivery.state for delivery in log} == {State.FAILED}
    assert [delivery.attempt for delivery in log] == list(range(1, 13))


def test_a_refused_address_is_logged_and_never_reached(workspace, receiver, settings):
    endpoint, _ = services.endpoint_create(
        workspace=workspace, url=receiver.url(host="localhost"), events=["import.finished"]
    )
    settings.ALLOW_PRIVATE_HOSTS = False  # production: loopback may not be reached (rule 25)

    refused = first_attempt(emit(workspace))

    assert receiver.requests == []
    assert (refused.state, refused.status_code) == (State.FAILED, None)
    assert refused.error.startswith("Refused: localhost resolves to ")
    assert "internal address" in refused.error
    assert deliveries(endpoint)[1].state == State.PENDING, "retried: DNS may change back"


def test_an_inactive_endpoint_gets_nothing(workspace, receiver, endpoint_and_secret):
    endpoint, _ = endpoint_and_secret
    type(endpoint).objects.for_workspace(workspace).update(active=False)

    assert services.event_dispatch(event_id=emit(workspace).pk) == []


def test_the_listener_queues_the_dispatch_after_the_commit_and_not_after_a_rollback(
    workspace, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.dispatch_event, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        event = event_emit(workspace=workspace, type="import.finished", data={})
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_emit(workspace=workspace, type="import.finished", data={})
        raise RuntimeError

    assert queued == [event.pk]
    assert Event.objects.for_workspace(workspace).count() == 1


def test_a_queue_that_does_not_answer_leaves_the_event_to_the_sweep(workspace, monkeypatch, caplog):
    def broken(_):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.dispatch_event, "delay", broken)
    event = emit(workspace)

    tasks.dispatch_soon(event.pk)

    assert "the sweep will dispatch it" in caplog.text
    assert Event.objects.for_workspace(workspace).get(pk=event.pk).dispatched_at is None
