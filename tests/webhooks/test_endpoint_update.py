"""Changing an endpoint: PATCH its URL (checked as when it was made), events or ``active``, and the
dashboard's Switch off / Switch on. Switched off, an endpoint gets no new deliveries and its retries
still waiting fail at once, saying why; bad input is a 400 naming the field and changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from core.events import event_emit
from tests.factories import owner_of
from tests.webhooks.deliveries import first_attempt
from webhooks import services
from webhooks.models import Delivery, Endpoint


def patch(api_client, endpoint, body):
    return api_client.patch(f"/api/v1/webhooks/{endpoint.pk}", body, format="json")


def test_switched_off_an_endpoint_gets_nothing_new_and_its_waiting_retries_fail(
    api_client, workspace, receiver, endpoint_and_secret
):
    endpoint, _ = endpoint_and_secret
    receiver.answers.append(500)
    first_attempt(event_emit(workspace=workspace, type="import.finished", data={"import_id": 1}))
    waiting = Delivery.objects.for_workspace(workspace).get(state=Delivery.State.PENDING)

    response = patch(api_client, endpoint, {"active": False})

    assert response.status_code == 200
    assert response.json()["active"] is False
    waiting.refresh_from_db()
    assert (waiting.state, waiting.next_attempt_at) == (Delivery.State.FAILED, None)
    assert waiting.error == "The endpoint was switched off before this attempt."
    event = event_emit(workspace=workspace, type="import.finished", data={"import_id": 2})
    assert services.event_dispatch(event_id=event.pk) == []

    assert patch(api_client, endpoint, {"active": True}).json()["active"] is True
    event = event_emit(workspace=workspace, type="import.finished", data={"import_id": 3})
    assert len(services.event_dispatch(event_id=event.pk)) == 1


def test_the_url_and_events_change_and_are_checked_as_when_made(api_client, settings, endpoint_and_secret):
    endpoint, _ = endpoint_and_secret

    response = patch(
        api_client, endpoint, {"url": "https://hooks.example.com/new", "events": ["lead.replied"]}
    )

    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == ("https://hooks.example.com/new", ["lead.replied"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://10.0.0.5/hook"}, "url"),
        ({"url": "ftp://hooks.example.com/"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["lead.exploded"]}, "events"),
        ({"active": "maybe"}, "active"),
        ({"secret": "whsec_mine"}, "secret"),
    ],
)
def test_bad_changes_are_a_400_naming_the_field_and_change_nothing(
    api_client, settings, endpoint_and_secret, body, field
):
    settings.ALLOW_PRIVATE_HOSTS = False
    endpoint, _ = endpoint_and_secret
    before = Endpoint.objects.for_workspace(endpoint.workspace).values().get(pk=endpoint.pk)

    response = patch(api_client, endpoint, body)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert Endpoint.objects.for_workspace(endpoint.workspace).values().get(pk=endpoint.pk) == before


def test_the_dashboard_switches_an_endpoint_off_and_on(workspace, endpoint_and_secret):
    endpoint, _ = endpoint_and_secret
    client = Client()
    client.force_login(owner_of(workspace))
    url = reverse("webhook_switch", args=[endpoint.pk])

    client.post(url)
    endpoint.refresh_from_db()
    page = client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert endpoint.active is False
    assert "Switch on" in page and "is off" in page

    client.post(url)
    endpoint.refresh_from_db()
    assert endpoint.active is True
