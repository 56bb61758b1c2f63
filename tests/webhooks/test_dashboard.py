"""Settings → Webhooks: add an endpoint (its secret shown once), test it, see its log, redeliver, delete.
Admins and owners only."""

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.factories import MembershipFactory, owner_of
from webhooks import services
from webhooks.models import Delivery, Endpoint


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_adds_an_endpoint_and_sees_its_secret_once(workspace, receiver):
    client = signed_in(owner_of(workspace))

    response = client.post(
        reverse("settings_webhooks"),
        {"url": receiver.url(), "events": ["import.finished", "active_leads.full"]},
    )
    waiting = str(Session.objects.get(session_key=client.session.session_key).get_decoded())

    endpoint = Endpoint.objects.for_workspace(workspace).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webhook_detail", args=[endpoint.pk])
    assert endpoint.events == ["import.finished", "active_leads.full"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="new-webhook-secret-value">whsec_' in page
    secret = page.split('id="new-webhook-secret-value">')[1].split("<")[0]
    assert services.secrets.decrypt(endpoint.secret_encrypted) == secret
    assert secret not in waiting, "the session held it encrypted until the page showed it"
    assert secret not in client.get(response["Location"]).content.decode(), "shown once"
    assert receiver.url() in client.get(reverse("settings_webhooks")).content.decode()


def test_a_form_with_no_event_or_an_http_url_in_production_is_refused(workspace, settings):
    settings.ALLOW_PRIVATE_HOSTS = False
    client = signed_in(owner_of(workspace))

    no_event = client.post(reverse("settings_webhooks"), {"url": "https://hooks.example.com/in"})
    plain_http = client.post(
        reverse("settings_webhooks"), {"url": "http://hooks.example.com/in", "events": ["import.finished"]}
    )

    assert no_event.status_code == plain_http.status_code == 200
    assert "Choose at least one event." in no_event.content.decode()
    assert "must start with https://" in plain_http.content.decode()
    assert not Endpoint.objects.for_workspace(workspace).exists()


def test_test_redeliver_and_delete_from_the_endpoints_page(workspace, receiver):
    client = signed_in(owner_of(workspace))
    endpoint, _ = services.endpoint_create(
        workspace=workspace, url=receiver.url(), events=["import.finished"]
    )

    tested = client.post(reverse("webhook_test", args=[endpoint.pk]), follow=True).content.decode()
    assert "Test event: delivered, the endpoint answered 200." in tested
    delivery = Delivery.objects.for_workspace(workspace).get()
    assert delivery.event.public_id in tested and "Redeliver" in tested

    receiver.answers = [500]
    again = client.post(reverse("webhook_redeliver", args=[endpoint.pk, delivery.pk]), follow=True)
    assert "not delivered. The endpoint answered 500" in again.content.decode()
    assert len(receiver.requests) == 2

    client.post(reverse("webhook_delete", args=[endpoint.pk]))
    assert not Endpoint.objects.for_workspace(workspace).exists()


def test_the_delivery_log_is_paged(workspace, receiver):
    client = signed_in(owner_of(workspace))
    endpoint, _ = services.endpoint_create(
        workspace=workspace, url=receiver.url(), events=["import.finished"]
    )
    for _ in range(51):
        services.endpoint_test(workspace=workspace, endpoint=endpoint)

    first = client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()

    assert first.count("Redeliver</button>") == 50
    assert 'rel="next"' in first


def test_a_member_is_refused_the_webhooks_pages(workspace, receiver):
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER).user
    endpoint, _ = services.endpoint_create(
        workspace=workspace, url=receiver.url(), events=["import.finished"]
    )
    client = signed_in(member)

    assert client.get(reverse("settings_webhooks")).status_code == 403
    assert client.get(reverse("webhook_detail", args=[endpoint.pk])).status_code == 403
    assert client.post(reverse("webhook_test", args=[endpoint.pk])).status_code == 403
    assert receiver.requests == []
