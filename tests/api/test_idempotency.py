import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey
from billing import payments, selectors
from billing.models import CreditGrant, LedgerEntry, Payment
from core.api.models import IdempotencyKey
from core.api.tasks import purge_expired_idempotency_keys
from tests.concurrency.threads import run_together
from tests.unchanged import nothing_changes

pytestmark = pytest.mark.urls("tests.api.urls_for_tests")

URL = "/api/v1/test-keys"
PACKS_URL = "/api/v1/billing/credit-packs"


def keys_named(workspace, name):
    return ApiKey.objects.for_workspace(workspace).filter(name=name).count()


def key_created_at(workspace, key):
    return IdempotencyKey.objects.for_workspace(workspace).get(key=key).created_at


def post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_runs_once_and_replays_the_first_answer(api_client, workspace):
    first = post(api_client, {"name": "zapier"}, "k-1")
    second = post(api_client, {"name": "zapier"}, "k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert keys_named(workspace, "zapier") == 1


def test_same_key_with_another_body_is_422_and_runs_nothing(api_client, workspace):
    post(api_client, {"name": "zapier"}, "k-2")
    with nothing_changes():
        response = post(api_client, {"name": "make"}, "k-2")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert keys_named(workspace, "make") == 0


def test_same_key_while_the_first_request_still_runs_is_409(api_client, workspace):
    post(api_client, {"name": "zapier"}, "k-3")
    # Only reachable while the first request runs (or after a crash): its row put back to that state.
    IdempotencyKey.all_workspaces.filter(key="k-3").update(
        status=IdempotencyKey.Status.IN_PROGRESS, response_status=None, response_body=None
    )

    with nothing_changes():
        response = post(api_client, {"name": "zapier"}, "k-3")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert keys_named(workspace, "zapier") == 1


def test_a_first_request_interrupted_before_its_answer_is_409_saying_so(api_client, workspace):
    post(api_client, {"name": "zapier"}, "k-crash")
    # Only a crash leaves this: the worker died after the work committed, before the answer was kept.
    IdempotencyKey.all_workspaces.filter(key="k-crash").update(
        status=IdempotencyKey.Status.IN_PROGRESS,
        response_status=None,
        response_body=None,
        created_at=timezone.now() - timedelta(minutes=11),
    )

    with nothing_changes():
        response = post(api_client, {"name": "zapier"}, "k-crash")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_in_use"
    assert "interrupted" in error["message"] and "still running" not in error["message"]
    assert error["details"] == {"key": "k-crash", "interrupted": True}
    assert keys_named(workspace, "zapier") == 1


def test_requests_without_the_header_are_not_deduplicated(api_client, workspace):
    api_client.post(URL, {"name": "zapier"}, format="json")
    api_client.post(URL, {"name": "zapier"}, format="json")
    assert keys_named(workspace, "zapier") == 2


def test_an_invalid_request_is_not_remembered_so_it_can_be_corrected(api_client, workspace):
    with nothing_changes():
        assert post(api_client, {"name": ""}, "k-4").status_code == 400
    assert not IdempotencyKey.objects.for_workspace(workspace).filter(key="k-4").exists()
    assert post(api_client, {"name": "fixed"}, "k-4").status_code == 201
    assert keys_named(workspace, "fixed") == 1


def test_a_server_error_after_the_work_is_replayed_not_run_again(api_client, workspace):
    first = post(api_client, {"name": "fails after its work"}, "k-500")
    again = post(api_client, {"name": "fails after its work"}, "k-500")

    assert (first.status_code, again.status_code) == (500, 500)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert keys_named(workspace, "fails after its work") == 1


def test_keys_are_per_workspace(api_client, other_api_client, workspace, other_workspace):
    assert post(api_client, {"name": "zapier"}, "shared").status_code == 201
    assert post(other_api_client, {"name": "zapier"}, "shared").status_code == 201
    assert keys_named(workspace, "zapier") == 1
    assert keys_named(other_workspace, "zapier") == 1


def test_a_key_is_forgotten_after_24_hours(api_client, workspace):
    post(api_client, {"name": "zapier"}, "k-5")
    later = timezone.now() + timedelta(hours=24, minutes=1)
    with time_machine.travel(later):
        response = post(api_client, {"name": "zapier"}, "k-5")
    assert key_created_at(workspace, "k-5") >= later  # the request ran on the moved clock
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert keys_named(workspace, "zapier") == 2


def test_an_overlong_key_is_400(api_client, workspace):
    with nothing_changes():
        response = post(api_client, {"name": "zapier"}, "x" * 256)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert keys_named(workspace, "zapier") == 0


def test_the_hourly_purge_deletes_only_keys_older_than_24_hours(api_client, workspace):
    post(api_client, {"name": "old"}, "k-old")
    later = timezone.now() + timedelta(hours=25)
    with time_machine.travel(later):
        post(api_client, {"name": "new"}, "k-new")
        assert purge_expired_idempotency_keys() == 1
    assert key_created_at(workspace, "k-new") >= later
    assert list(IdempotencyKey.objects.for_workspace(workspace).values_list("key", flat=True)) == ["k-new"]


def buy_pack(client):
    return client.post(PACKS_URL, {"pack": "credits_1000"}, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")


@pytest.mark.django_db(transaction=True)
def test_two_purchases_sent_together_under_one_key_buy_one_pack_and_the_other_is_told_409(
    api_client, workspace, monkeypatch
):
    """Rule 13 with real requests: the first holds inside the purchase while the second arrives."""
    first_inside, one_answered, release = threading.Event(), threading.Event(), threading.Event()
    charge = payments.charge
    waits = []

    def charge_held_until_released(**kwargs):
        first_inside.set()
        waits.append(release.wait(timeout=10))
        return charge(**kwargs)

    monkeypatch.setattr(payments, "charge", charge_held_until_released)

    def buy():
        client = APIClient()  # a client per thread, as two callers would have
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_client.raw_key}")
        response = buy_pack(client)
        one_answered.set()
        return response

    def hold_the_first_until_the_second_has_its_answer():
        waits.append(first_inside.wait(timeout=10))
        waits.append(one_answered.wait(timeout=10))
        release.set()

    *responses, _ = run_together([buy, buy, hold_the_first_until_the_second_has_its_answer])

    # Entered once, the other answered meanwhile, released: the purchase ran once, overlapping.
    assert waits == [True, True, True]
    answers = sorted(responses, key=lambda response: response.status_code)
    assert [response.status_code for response in answers] == [201, 409]
    assert answers[1].json()["error"]["code"] == "idempotency_key_in_use"
    replay = buy_pack(api_client)
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == answers[0].json()
    assert CreditGrant.objects.for_workspace(workspace).filter(source=CreditGrant.Source.PACK).count() == 1
    assert Payment.objects.for_workspace(workspace).filter(purpose=Payment.Purpose.CREDIT_PACK).count() == 1
    entries = LedgerEntry.objects.for_workspace(workspace)
    assert (
        sum(entries.values_list("amount", flat=True))
        == selectors.lead_credits_balance(workspace=workspace)
        == 100 + 1_000
    )
