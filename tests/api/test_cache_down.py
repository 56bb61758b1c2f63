"""A cache that does not answer (Redis down) costs the rate limits, not the product: the API and the dashboard
keep serving and the failure is logged; /healthz says so with a 503."""

import logging
import socket

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from leads.models import Lead
from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def unreachable_cache():
    """The cache on a loopback port nothing listens on: every connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}
    with override_settings(CACHES={"default": {**redis_cache, "LOCATION": f"redis://127.0.0.1:{port}/0"}}):
        yield


def cache_failures_logged(caplog):
    return [r for r in caplog.records if r.name == "core.rate_windows" and r.levelno == logging.ERROR]


@pytest.mark.usefixtures("unreachable_cache")
def test_api_requests_with_a_key_are_served_and_the_failure_is_logged(api_client, workspace, caplog):
    assert api_client.get("/api/v1/workspace").status_code == 200

    response = api_client.post("/api/v1/leads", {"email": "ada@example.com"}, format="json")

    assert response.status_code == 201
    assert Lead.objects.for_workspace(workspace).filter(email="ada@example.com").exists()
    assert cache_failures_logged(caplog)


@pytest.mark.usefixtures("unreachable_cache")
def test_while_the_cache_cannot_count_the_headers_show_the_whole_budget(api_client, settings):
    settings.API_THROTTLE_RATE = "5/minute"

    response = api_client.get("/api/v1/workspace")

    assert response.status_code == 200
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("5", "5")


@pytest.mark.usefixtures("unreachable_cache")
def test_a_wrong_key_is_still_a_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer lp_guess_wrong")

    response = client.get("/api/v1/workspace")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.usefixtures("unreachable_cache")
def test_the_dashboard_signs_in_and_serves_its_pages_and_session_api_calls(owner):
    client = Client(enforce_csrf_checks=False)

    response = client.post(reverse("login"), {"username": owner.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    for page in ("home", "contacts", "campaigns"):
        assert client.get(reverse(page)).status_code == 200
    assert client.get("/api/v1/usage").status_code == 200


@pytest.mark.usefixtures("unreachable_cache")
def test_healthz_answers_503_naming_the_cache(db):
    response = APIClient().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "ok", "cache": "unavailable"}
