import pytest
from rest_framework.test import APIClient

from core.api import throttling
from tests.concurrency.threads import run_together
from tests.conftest import api_client_for

pytestmark = pytest.mark.usefixtures("small_throttle")


@pytest.fixture
def small_throttle(settings):
    settings.API_THROTTLE_RATE = "3/minute"


def test_requests_past_the_workspace_budget_get_429_with_retry_after(api_client):
    for _ in range(3):
        assert api_client.get("/api/v1/workspace").status_code == 200
    response = api_client.get("/api/v1/workspace")
    assert response.status_code == 429
    body = response.json()["error"]
    assert body["code"] == "rate_limited"
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["details"] == {"retry_after": retry_after}


def test_retry_after_rounds_a_part_second_up(api_client, monkeypatch):
    for _ in range(3):
        api_client.get("/api/v1/workspace")
    monkeypatch.setattr(throttling.WorkspaceRateThrottle, "wait", lambda self: 0.4)

    response = api_client.get("/api/v1/workspace")

    assert response.status_code == 429
    assert response["Retry-After"] == "1"


def test_the_budget_starts_again_with_the_next_clock_minute(api_client, monkeypatch):
    now = [1_000_000.0]  # 20 s before a minute starts
    monkeypatch.setattr(throttling.WorkspaceRateThrottle, "timer", staticmethod(lambda: now[0]))
    for _ in range(3):
        api_client.get("/api/v1/workspace")
    assert api_client.get("/api/v1/workspace")["Retry-After"] == "20"

    now[0] += 20

    assert api_client.get("/api/v1/workspace").status_code == 200


def test_every_key_of_a_workspace_shares_one_budget(workspace, api_client):
    second_key = api_client_for(workspace)
    for client in (api_client, second_key, api_client):
        assert client.get("/api/v1/workspace").status_code == 200
    assert second_key.get("/api/v1/workspace").status_code == 429


def test_one_workspace_exhausting_its_budget_does_not_throttle_another(api_client, other_api_client):
    for _ in range(4):
        api_client.get("/api/v1/workspace")
    assert api_client.get("/api/v1/workspace").status_code == 429
    assert other_api_client.get("/api/v1/workspace").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_get_exactly_the_budget_through(api_client, settings, monkeypatch):
    settings.API_THROTTLE_RATE = "20/minute"
    # 20 s before the next clock minute, when the budget starts again.
    monkeypatch.setattr(throttling.WorkspaceRateThrottle, "timer", staticmethod(lambda: 1_000_000.0))

    def request():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_client.raw_key}")
        return client.get("/api/v1/workspace")

    responses = run_together([request] * 30)

    assert [r for r in responses if not hasattr(r, "status_code")] == []
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 20 + [429] * 10
    assert all(r["Retry-After"] == "20" for r in responses if r.status_code == 429)
