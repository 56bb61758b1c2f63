import pytest
from django.test import Client

from tests.unchanged import nothing_changes


def error(response):
    return response.json()["error"]


def test_unknown_route_under_api_is_a_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert response["Content-Type"].startswith("application/json")


def test_malformed_json_is_400_invalid_and_changes_nothing(api_client, workspace):
    with nothing_changes():
        response = api_client.patch("/api/v1/workspace", data='{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert "JSON" in error(response)["message"]
    workspace.refresh_from_db()
    assert workspace.name == "Acme Outreach"


def test_unknown_fields_are_400_naming_them(api_client, workspace):
    with nothing_changes():
        response = api_client.patch("/api/v1/workspace", {"name": "New", "colour": "red"}, format="json")
    assert response.status_code == 400
    assert error(response) == {
        "code": "invalid",
        "message": "Some fields are not valid: see details.",
        "details": {"colour": ["Unknown field."]},
    }
    workspace.refresh_from_db()
    assert workspace.name == "Acme Outreach"


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x" * 101}, {"name": {"nested": 1}}, {}, ["name"]])
def test_wrong_types_and_missing_fields_are_400_with_field_details(api_client, body):
    with nothing_changes():
        response = api_client.patch("/api/v1/workspace", body, format="json")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert error(response)["details"]


def test_valid_patch_renames_the_workspace(api_client, workspace):
    response = api_client.patch("/api/v1/workspace", {"name": "Acme EU"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Acme EU"


def test_method_not_allowed_uses_the_error_format(api_client):
    response = api_client.delete("/api/v1/workspace")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"


def test_a_body_over_the_read_limit_is_413_and_changes_nothing(api_client, workspace, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    with nothing_changes():
        response = api_client.patch("/api/v1/workspace", {"name": "N" * 2_000}, format="json")
    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"
    workspace.refresh_from_db()
    assert workspace.name == "Acme Outreach"


def test_more_form_fields_than_django_reads_is_400(api_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"field{number}": "x" for number in range(10)}
    with nothing_changes():
        response = api_client.post("/api/v1/imports", fields, format="multipart")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"


UNKNOWN_API_PATHS = ["/api/v1/nonexistent", "/api/v1/leads/", "/api/v1/leads%zz", "/api/v1/leads%ff", "/api"]


@pytest.fixture(params=["anonymous", "signed in"])
def browser_client(request, db):
    """A client that enforces CSRF as a browser's requests meet it: anonymous, or with a session."""
    client = Client(enforce_csrf_checks=True)
    if request.param == "signed in":
        client.force_login(request.getfixturevalue("owner"))
    return client


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
@pytest.mark.parametrize("path", UNKNOWN_API_PATHS)
def test_any_method_on_an_unknown_api_route_is_a_json_404(browser_client, path, method):
    response = getattr(browser_client, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert error(response)["code"] == "not_found"


def test_a_form_sent_where_json_is_expected_is_415_and_changes_nothing(api_client, workspace):
    response = api_client.patch(
        "/api/v1/workspace", data="name=Renamed", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"
    workspace.refresh_from_db()
    assert workspace.name == "Acme Outreach"
