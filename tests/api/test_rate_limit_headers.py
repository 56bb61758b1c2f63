"""Every API answer carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (API.md): the
workspace's budget once a key or session names the workspace, the address's budget of failed
authentications before that; Reset is whole seconds until the window ends (core.api.throttling)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from accounts import services as account_services
from campaigns.models import Campaign
from core.api import throttling
from core.sign_ins import FailedSignIns
from tests.factories import CampaignFactory, owner_of

# The suite's clock (tests/conftest.py) stands 20 s before a clock minute ends.
RESET = "20"


@pytest.fixture(autouse=True)
def small_budgets(settings, monkeypatch):
    settings.API_THROTTLE_RATE = "5/minute"
    settings.FAILED_SIGN_IN_RATE = "3/minute"
    monkeypatch.setattr(FailedSignIns, "timer", staticmethod(lambda: 1_000_000.0))


def budget(response):
    return (
        response["X-RateLimit-Limit"],
        response["X-RateLimit-Remaining"],
        response["X-RateLimit-Reset"],
    )


def test_remaining_goes_down_with_each_request_and_the_429_says_none_is_left(api_client):
    answers = [api_client.get("/api/v1/workspace") for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [budget(a) for a in answers] == [
        ("5", "4", RESET),
        ("5", "3", RESET),
        ("5", "2", RESET),
        ("5", "1", RESET),
        ("5", "0", RESET),
        ("5", "0", RESET),
    ]
    assert answers[-1]["Retry-After"] == answers[-1]["X-RateLimit-Reset"]


def test_reset_counts_the_seconds_to_the_end_of_the_window(api_client, monkeypatch):
    monkeypatch.setattr(throttling.WorkspaceRateThrottle, "timer", staticmethod(lambda: 1_000_000.0 + 13))

    assert api_client.get("/api/v1/workspace")["X-RateLimit-Reset"] == "7"


def test_every_key_and_the_session_of_a_workspace_show_one_budget(workspace, api_client):
    second_key = APIClient()
    _, raw_key = account_services.api_key_create(
        workspace=workspace, name="second", created_by=owner_of(workspace)
    )
    second_key.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    session = Client()
    session.force_login(owner_of(workspace))

    assert budget(api_client.get("/api/v1/usage")) == ("5", "4", RESET)
    assert budget(second_key.get("/api/v1/usage")) == ("5", "3", RESET)
    assert budget(session.get("/api/v1/usage")) == ("5", "2", RESET)


def test_error_answers_carry_the_headers_too(workspace, api_client, other_workspace):
    theirs = CampaignFactory(workspace=other_workspace)

    not_found = api_client.get(f"/api/v1/campaigns/{theirs.pk}")
    invalid = api_client.post("/api/v1/campaigns", {"name": ""}, format="json")
    not_json = api_client.post("/api/v1/campaigns", "name=x", content_type="text/plain")
    conflict = api_client.post("/api/v1/leads", {"email": "ada@example.com"}, format="json")
    conflict = api_client.post("/api/v1/leads", {"email": "ada@example.com"}, format="json")

    assert [a.status_code for a in (not_found, invalid, not_json, conflict)] == [404, 400, 415, 409]
    assert [budget(a)[1] for a in (not_found, invalid, not_json, conflict)] == ["4", "3", "2", "0"]


def test_a_refusal_for_a_missing_scope_shows_the_budget_without_spending_it(workspace, api_client):
    _, raw_key = account_services.api_key_create(
        workspace=workspace, name="reader", created_by=owner_of(workspace), scopes=["leads:read"]
    )
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    api_client.get("/api/v1/workspace")

    refused = reader.post("/api/v1/campaigns", {"name": "Spring"}, format="json")

    assert refused.status_code == 403
    assert budget(refused) == ("5", "4", RESET)
    assert not Campaign.objects.for_workspace(workspace).exists()


def test_without_a_key_the_headers_show_the_address_budget_of_failed_authentications(db):
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer lp_deadbeef_wrong")

    no_key = APIClient().get("/api/v1/workspace")
    refusals = [wrong.get("/api/v1/workspace") for _ in range(4)]

    assert no_key.status_code == 401
    assert budget(no_key) == ("3", "3", RESET)  # no key is not a failed authentication
    assert [r.status_code for r in refusals] == [401, 401, 401, 429]
    assert [budget(r) for r in refusals] == [
        ("3", "2", RESET),
        ("3", "1", RESET),
        ("3", "0", RESET),
        ("3", "0", RESET),
    ]
    assert refusals[-1]["Retry-After"] == RESET


def test_an_unknown_route_answers_with_the_budget_of_the_key_that_asked(api_client):
    api_client.get("/api/v1/workspace")

    with_key = api_client.get("/api/v1/no-such-thing")
    without = APIClient().delete("/api/v1/no-such-thing")

    assert with_key.status_code == without.status_code == 404
    assert budget(with_key) == ("5", "4", RESET)
    assert budget(without) == ("3", "3", RESET)


def test_file_answers_and_replayed_answers_carry_the_headers(workspace, api_client):
    upload = SimpleUploadedFile("leads.csv", b"email\nada@example.com\n", content_type="text/csv")
    job = api_client.post("/api/v1/imports", {"file": upload}, format="multipart").json()
    first = api_client.post("/api/v1/campaigns", {"name": "Spring"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    replay = api_client.post(
        "/api/v1/campaigns", {"name": "Spring"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    report = api_client.get(f"/api/v1/imports/{job['id']}/errors.csv")

    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert budget(replay) == ("5", "2", RESET)
    assert report["Content-Type"].startswith("text/csv")
    assert budget(report) == ("5", "1", RESET)


def test_the_schema_describes_the_headers_once_and_puts_them_on_every_answer(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    headers = schema["components"]["headers"]
    assert set(headers) == {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    assert all(h["required"] and h["schema"]["type"] == "integer" for h in headers.values())
    assert "seconds until the current window ends" in headers["X-RateLimit-Reset"]["description"]
    answers = [
        (f"{method.upper()} {path} {status}", response)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
    ]
    assert len(answers) > 200
    for answer, response in answers:
        refs = {name: header.get("$ref") for name, header in response.get("headers", {}).items()}
        assert refs.get("X-RateLimit-Remaining") == "#/components/headers/X-RateLimit-Remaining", answer
        assert refs.get("X-RateLimit-Limit") == "#/components/headers/X-RateLimit-Limit", answer
        assert refs.get("X-RateLimit-Reset") == "#/components/headers/X-RateLimit-Reset", answer
    throttled = schema["paths"]["/api/v1/leads"]["get"]["responses"]["429"]["headers"]
    assert "Retry-After" in throttled
