"""Rolling an endpoint's signing secret: a new one shown once (API and dashboard), and for 24 hours every
request signed with both, the new first, so a receiver switches without missing an event; then only the
new. ``rotate_secrets`` (new encryption keys) re-encrypts both secrets of every endpoint."""

import io
from datetime import timedelta

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import secrets
from core.events import event_emit
from tests.factories import owner_of
from tests.webhooks.deliveries import first_attempt, the_docs_verify
from webhooks import services
from webhooks.models import Endpoint


def roll(api_client, endpoint, **headers):
    return api_client.post(f"/api/v1/webhooks/{endpoint.pk}/roll-secret", **headers)


def signatures(header):
    return [item for item in header.split(",") if item.startswith("v1=")]


def test_the_api_rolls_the_secret_and_shows_the_new_one_once(api_client, workspace, endpoint_and_secret):
    endpoint, old = endpoint_and_secret

    response = roll(api_client, endpoint)

    body = response.json()
    assert response.status_code == 200
    assert body["secret"].startswith("whsec_") and body["secret"] != old
    endpoint.refresh_from_db()
    assert secrets.decrypt(endpoint.secret_encrypted) == body["secret"]
    assert secrets.decrypt(endpoint.previous_secret_encrypted) == old
    until = endpoint.previous_secret_until
    assert timedelta(hours=23, minutes=59) < until - timezone.now() <= timedelta(hours=24)
    shown = api_client.get(f"/api/v1/webhooks/{endpoint.pk}").json()
    assert "secret" not in shown
    assert shown["previous_secret_until"] is not None


def test_a_replayed_roll_answers_no_secret_and_rolls_nothing_more(api_client, endpoint_and_secret):
    endpoint, _ = endpoint_and_secret

    first = roll(api_client, endpoint, HTTP_IDEMPOTENCY_KEY="roll-1").json()
    replay = roll(api_client, endpoint, HTTP_IDEMPOTENCY_KEY="roll-1").json()

    endpoint.refresh_from_db()
    assert replay["secret"] is None
    assert secrets.decrypt(endpoint.secret_encrypted) == first["secret"]


def test_for_a_day_requests_are_signed_with_both_secrets_then_with_the_new_one_only(
    workspace, receiver, endpoint_and_secret
):
    """The documented receiver code accepts a request under either secret while both sign it."""
    verify = the_docs_verify()
    endpoint, old = endpoint_and_secret
    _, new = services.endpoint_secret_roll(workspace=workspace, endpoint=endpoint)

    first_attempt(event_emit(workspace=workspace, type="import.finished", data={"import_id": 1}))
    Endpoint.objects.for_workspace(workspace).filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    first_attempt(event_emit(workspace=workspace, type="import.finished", data={"import_id": 2}))

    during, after = receiver.requests
    header = during.headers["Leadpool-Signature"]
    assert len(signatures(header)) == 2
    assert verify(new, during.body, header) and verify(old, during.body, header)
    assert not verify("whsec_someone-else", during.body, header)
    header = after.headers["Leadpool-Signature"]
    assert len(signatures(header)) == 1
    assert verify(new, after.body, header)
    assert not verify(old, after.body, header)


def test_rolling_twice_within_the_day_drops_the_oldest_at_once(workspace, endpoint_and_secret):
    endpoint, oldest = endpoint_and_secret
    _, middle = services.endpoint_secret_roll(workspace=workspace, endpoint=endpoint)
    _, newest = services.endpoint_secret_roll(workspace=workspace, endpoint=endpoint)

    endpoint.refresh_from_db()
    assert services.signing_secrets(endpoint, timezone.now()) == [newest, middle]
    assert oldest not in services.signing_secrets(endpoint, timezone.now())


def test_the_dashboard_rolls_the_secret_and_shows_it_once(workspace, endpoint_and_secret):
    endpoint, old = endpoint_and_secret
    client = Client()
    client.force_login(owner_of(workspace))

    response = client.post(reverse("webhook_roll_secret", args=[endpoint.pk]))

    assert response["Location"] == reverse("webhook_detail", args=[endpoint.pk])
    page = client.get(response["Location"]).content.decode()
    secret = page.split('id="new-webhook-secret-value">')[1].split("<")[0]
    endpoint.refresh_from_db()
    assert secrets.decrypt(endpoint.secret_encrypted) == secret != old
    again = client.get(response["Location"]).content.decode()
    assert secret not in again
    assert "requests are signed with the new secret and the one before" in again


def test_rotate_secrets_reencrypts_both_secrets_of_every_endpoint(settings, workspace):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SECRET_ENCRYPTION_KEYS = [old_key]
    endpoint, _ = services.endpoint_create(
        workspace=workspace, url="https://hooks.example.com/a", events=["import.finished"]
    )
    _, previous = services.endpoint_secret_roll(workspace=workspace, endpoint=endpoint)
    _, current = services.endpoint_secret_roll(workspace=workspace, endpoint=endpoint)
    settings.SECRET_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_secrets", stdout=io.StringIO())

    settings.SECRET_ENCRYPTION_KEYS = [new_key]
    endpoint.refresh_from_db()
    assert secrets.decrypt(endpoint.secret_encrypted) == current
    assert secrets.decrypt(endpoint.previous_secret_encrypted) == previous
