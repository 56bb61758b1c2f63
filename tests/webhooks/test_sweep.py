"""The sweep (beat, every minute): an event a crash left undispatched is fanned out, an attempt whose
worker died counts as failed and its chain goes on, and retries now due are made."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from config.celery import app
from core.api.models import Event
from core.events import event_emit
from webhooks import tasks
from webhooks.models import Delivery

State = Delivery.State


@pytest.fixture(autouse=True)
def _tasks_run_inline():
    """``.delay`` runs the task here and now, as a worker would."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_an_event_left_undispatched_is_delivered_by_the_sweep_a_minute_later(
    workspace, receiver, endpoint_and_secret
):
    with transaction.atomic():  # its listener never ran: the process died after the commit
        event = event_emit(workspace=workspace, type="import.finished", data={"import_id": 1})

    tasks.sweep()
    assert receiver.requests == [], "a fresh event is the listener's"

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        tasks.sweep()
        tasks.sweep()

    assert len(receiver.requests) == 1
    assert Event.objects.for_workspace(workspace).get(pk=event.pk).dispatched_at is not None
    (delivery,) = Delivery.objects.for_workspace(workspace)
    assert delivery.state == State.DELIVERED


def test_the_sweep_makes_the_retries_that_are_due(workspace, receiver, endpoint_and_secret):
    receiver.answers = [500]
    with transaction.atomic():
        event_emit(workspace=workspace, type="import.finished", data={})
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        tasks.sweep()  # dispatches; the first attempt fails
    assert len(receiver.requests) == 1

    with time_machine.travel(timezone.now() + timedelta(minutes=2, seconds=30)):
        tasks.sweep()
    with time_machine.travel(timezone.now() + timedelta(minutes=3, seconds=30)):
        tasks.sweep()

    assert len(receiver.requests) == 2
    states = Delivery.objects.for_workspace(workspace).order_by("attempt").values_list("state", flat=True)
    assert list(states) == [State.FAILED, State.DELIVERED]


def test_an_attempt_whose_worker_died_counts_as_failed_and_is_retried(
    workspace, receiver, endpoint_and_secret
):
    endpoint, _ = endpoint_and_secret
    with transaction.atomic():
        event = event_emit(workspace=workspace, type="import.finished", data={})
    claimed_at = timezone.now()
    Delivery.objects.create(
        workspace=workspace,
        endpoint=endpoint,
        event=event,
        attempt=1,
        state=State.SENDING,
        attempted_at=claimed_at,
    )
    Event.objects.for_workspace(workspace).filter(pk=event.pk).update(dispatched_at=claimed_at)

    with time_machine.travel(claimed_at + timedelta(minutes=6)):
        tasks.sweep()
    with time_machine.travel(claimed_at + timedelta(minutes=8)):
        tasks.sweep()

    abandoned, retried = Delivery.objects.for_workspace(workspace).order_by("attempt")
    assert (abandoned.state, abandoned.error) == (
        State.FAILED,
        "The worker stopped before the endpoint answered.",
    )
    assert (retried.attempt, retried.state) == (2, State.DELIVERED)
    assert len(receiver.requests) == 1
