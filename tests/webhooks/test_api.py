"""``/webhooks`` of the API: the secret is in the POST answer only (and stored encrypted), bad input is a 400
naming the field and changes nothing, a test and a redelivery go out now and answer with the delivery."""

import json

import pytest
from django.urls import reverse

from tests.webhooks.deliveries import valid_signature
from webhooks import services
from webhooks.models import Delivery, Endpoint

EVENTS = ["import.finished", "lead_credits.low"]


def create(api_client, url, events=EVENTS, **headers):
    return api_client.post(reverse("api:webhooks"), {"url": url, "events": events}, format="json", **headers)


def test_the_secret_is_in_the_post_answer_only_and_stored_encrypted(api_client, workspace, receiver):
    response = create(api_client, receiver.url())

    assert response.status_code == 201
    created = response.json()
    secret = created.pop("secret")
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created["events"] == EVENTS and created["url"] == receiver.url() and created["active"] is True
    endpoint = Endpoint.objects.for_workspace(workspace).get()
    assert secret not in endpoint.secret_encrypted
    reads = [
        api_client.get(reverse("api:webhooks")),
        api_client.get(reverse("api:webhook-detail", args=[endpoint.pk])),
        api_client.post(reverse("api:webhook-test", args=[endpoint.pk])),
        api_client.get(reverse("api:webhook-deliveries", args=[endpoint.pk])),
    ]
    assert all(r.status_code == 200 for r in reads)
    assert all(secret not in r.content.decode() and "secret" not in r.json() for r in reads[1:2])
    assert all(secret not in r.content.decode() for r in reads)
    assert reads[0].json()["results"] == [created]


def test_a_replayed_create_answers_the_same_endpoint_without_its_secret(api_client, workspace, receiver):
    first = create(api_client, receiver.url(), HTTP_IDEMPOTENCY_KEY="make-hook-1")
    replay = create(api_client, receiver.url(), HTTP_IDEMPOTENCY_KEY="make-hook-1")

    assert first.json()["secret"].startswith("whsec_")
    assert replay.status_code == 201
    assert replay.json() == {**first.json(), "secret": None}
    assert Endpoint.objects.for_workspace(workspace).count() == 1


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"url": "http://hooks.example.com/in", "events": EVENTS}, "url", "https://"),
        ({"url": "https://127.0.0.1/in", "events": EVENTS}, "url", "internal address"),
        ({"url": "https://169.254.169.254/latest", "events": EVENTS}, "url", "internal address"),
        ({"url": "https://user:pw@hooks.example.com/in", "events": EVENTS}, "url", "password"),
        ({"url": "not a url", "events": EVENTS}, "url", "full URL"),
        ({"url": "https://hooks.example.com/in", "events": []}, "events", ""),
        (
            {"url": "https://hooks.example.com/in", "events": ["import.finished", "lead.exploded"]},
            "events",
            "lead.exploded",
        ),
        ({"url": "https://hooks.example.com/in", "events": "import.finished"}, "events", ""),
        ({"url": "https://hooks.example.com/in"}, "events", ""),
        ({"events": EVENTS}, "url", ""),
        ({"url": "https://hooks.example.com/in", "events": EVENTS, "secret": "mine"}, "secret", "Unknown"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_makes_nothing(
    api_client, workspace, settings, body, field, words
):
    settings.ALLOW_PRIVATE_HOSTS = settings.DEBUG = False  # production
    response = api_client.post(reverse("api:webhooks"), body, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]
    assert words in json.dumps(error["details"][field])
    assert not Endpoint.objects.for_workspace(workspace).exists()


def test_test_sends_a_signed_test_event_now_and_answers_with_the_delivery(api_client, workspace, receiver):
    secret = create(api_client, receiver.url()).json()["secret"]
    endpoint = Endpoint.objects.for_workspace(workspace).get()

    response = api_client.post(reverse("api:webhook-test", args=[endpoint.pk]))

    assert response.status_code == 200
    answer = response.json()
    (request,) = receiver.requests
    sent = json.loads(request.body)
    assert answer["event_id"] == sent["id"] and sent["id"].startswith("evt_")
    assert (answer["event_type"], answer["attempt"], answer["status_code"], answer["error"]) == (
        "webhook.test",
        1,
        200,
        "",
    )
    assert answer["state"] == "delivered"
    assert valid_signature(secret, request.headers["Leadpool-Signature"], request.body)
    log = api_client.get(reverse("api:webhook-deliveries", args=[endpoint.pk])).json()
    assert log["results"] == [answer]


def test_a_test_to_an_endpoint_that_fails_says_why_and_is_not_retried(api_client, workspace, receiver):
    create(api_client, receiver.url())
    endpoint = Endpoint.objects.for_workspace(workspace).get()
    receiver.answers = [502]

    answer = api_client.post(reverse("api:webhook-test", args=[endpoint.pk])).json()

    assert (answer["state"], answer["status_code"]) == ("failed", 502)
    assert "502" in answer["error"]
    assert Delivery.objects.for_workspace(workspace).count() == 1


def test_redeliver_sends_the_same_event_again_as_one_more_attempt(api_client, workspace, receiver):
    create(api_client, receiver.url())
    endpoint = Endpoint.objects.for_workspace(workspace).get()
    first = api_client.post(reverse("api:webhook-test", args=[endpoint.pk])).json()

    response = api_client.post(reverse("api:webhook-redeliver", args=[endpoint.pk, first["id"]]))

    assert response.status_code == 200
    again = response.json()
    assert (again["event_id"], again["attempt"], again["state"]) == (first["event_id"], 2, "delivered")
    assert receiver.requests[0].body == receiver.requests[1].body


def test_a_delivery_of_another_endpoint_is_a_404_on_redeliver(api_client, workspace, receiver):
    one, _ = services.endpoint_create(workspace=workspace, url=receiver.url("/1"), events=EVENTS)
    two, _ = services.endpoint_create(workspace=workspace, url=receiver.url("/2"), events=EVENTS)
    delivery = services.endpoint_test(workspace=workspace, endpoint=one)

    response = api_client.post(reverse("api:webhook-redeliver", args=[two.pk, delivery.pk]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_delete_removes_the_endpoint_and_its_log(api_client, workspace, receiver):
    endpoint, _ = services.endpoint_create(workspace=workspace, url=receiver.url(), events=EVENTS)
    services.endpoint_test(workspace=workspace, endpoint=endpoint)

    response = api_client.delete(reverse("api:webhook-detail", args=[endpoint.pk]))

    assert response.status_code == 204
    assert not Endpoint.objects.for_workspace(workspace).exists()
    assert not Delivery.objects.for_workspace(workspace).exists()


def test_a_member_may_not_manage_webhooks(member_api_client, workspace, receiver):
    endpoint, _ = services.endpoint_create(workspace=workspace, url=receiver.url(), events=EVENTS)

    answers = [
        member_api_client.get(reverse("api:webhooks")),
        create(member_api_client, receiver.url()),
        member_api_client.post(reverse("api:webhook-test", args=[endpoint.pk])),
        member_api_client.delete(reverse("api:webhook-detail", args=[endpoint.pk])),
    ]

    assert [a.status_code for a in answers] == [403] * 4
    assert receiver.requests == []
    assert Endpoint.objects.for_workspace(workspace).count() == 1
