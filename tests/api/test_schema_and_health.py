import re

import pytest
from rest_framework.test import APIClient

from config.celery import app as celery_app


def test_openapi_schema_is_served_without_a_key(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Leadpool API"
    assert "/api/v1/workspace" in schema["paths"]


@pytest.mark.parametrize(
    "path", ["/api/v1/billing/subscription", "/api/v1/billing/credit-packs", "/api/v1/billing/addons"]
)
def test_the_schema_documents_the_refusals_of_billing_changes(db, path):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    responses = schema["paths"][path]["post"]["responses"]
    assert responses["403"]["description"].startswith("permission_denied")
    assert responses["400"]["description"].startswith("invalid")


def test_api_docs_are_served_from_our_own_static_files(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []


def test_there_is_no_redoc_page_which_would_load_fonts_and_a_logo_from_the_internet(db):
    response = APIClient().get("/api/redoc/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_healthz_answers_200_when_database_and_broker_answer(db):
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "cache": "ok"}


@pytest.fixture
def unreachable_broker():
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    celery_app.conf.broker_url = original


def test_healthz_answers_503_when_the_broker_is_down(db, unreachable_broker):
    response = APIClient().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable", "cache": "ok"}
