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


@pytest.fixture
def openapi(db):
    return APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_phone_and_linkedin_of_a_prospect_are_optional_in_the_schema_as_they_are_absent_unless_owned(openapi):
    prospect = openapi["components"]["schemas"]["Prospect"]
    assert {"phone", "linkedin_url"} <= set(prospect["properties"])
    assert not {"phone", "linkedin_url"} & set(prospect["required"])
    assert {"email", "owned", "seniority"} <= set(prospect["required"])


@pytest.mark.parametrize(
    "field", ["seniority", "department", "industry", "company_size", "country", "email_status"]
)
def test_a_prospect_s_enumerated_fields_may_be_blank_in_the_schema_as_vendor_rows_leave_them(openapi, field):
    choices = openapi["components"]["schemas"]["Prospect"]["properties"][field]["oneOf"]
    blank = openapi["components"]["schemas"]["BlankEnum"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in choices
    assert blank["enum"] == [""]


def test_every_page_size_is_documented_from_1(openapi):
    limits = {
        path: parameter["schema"]
        for path, methods in openapi["paths"].items()
        for operation in methods.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "limit" and parameter["in"] == "query"
    }
    lists = {"/api/v1/leads", "/api/v1/campaigns", "/api/v1/imports", "/api/v1/leadfinder/prospects"}
    assert lists <= set(limits)
    assert all(schema["minimum"] == 1 for schema in limits.values())


def _operations(openapi):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_with_the_error_body(openapi):
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, method, operation in _operations(openapi):
        responses = operation["responses"]
        expected = {"401", "429"}
        if "{" in path:
            expected.add("404")
        if method == "post":
            expected |= {"400", "403", "409", "413", "415", "422"}
        if method == "patch":
            expected |= {"400", "403", "413", "415"}
        if method == "delete":
            expected.add("403")
        assert expected <= set(responses), (method, path, sorted(expected - set(responses)))
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"] == error, (method, path, status)
        assert "Retry-After" in responses["429"]["headers"]


def test_the_error_body_is_described_once(openapi):
    error = openapi["components"]["schemas"]["Error"]
    detail = openapi["components"]["schemas"]["ErrorDetail"]
    assert error["required"] == ["error"]
    assert sorted(detail["required"]) == ["code", "details", "message"]


def test_json_bodies_are_documented_as_json_only(openapi):
    for path, method, operation in _operations(openapi):
        if "requestBody" in operation and path != "/api/v1/imports":
            assert list(operation["requestBody"]["content"]) == ["application/json"], (method, path)
