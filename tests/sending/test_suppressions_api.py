"""/api/v1/suppressions (API.md): the do-not-contact list through the API."""

import pytest

from leads.models import Suppression
from leads.services import suppression_add

URL = "/api/v1/suppressions"
KEYS = {"id", "kind", "value", "reason", "created_at"}


def entries(workspace):
    return sorted(Suppression.objects.for_workspace(workspace).values_list("kind", "value"))


def test_posting_an_email_answers_the_new_entry_and_again_the_same_one(api_client, workspace):
    response = api_client.post(URL, {"email": " Jane@Example.COM "}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == KEYS
    assert (body["kind"], body["value"], body["reason"]) == ("email", "jane@example.com", "manual")

    again = api_client.post(URL, {"email": "jane@example.com"}, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert entries(workspace) == [("email", "jane@example.com")]


def test_posting_a_domain_takes_it_bare_or_after_an_at(api_client, workspace):
    assert api_client.post(URL, {"domain": "@Bücher.de"}, format="json").json()["value"] == "xn--bcher-kva.de"
    assert api_client.post(URL, {"domain": "example.com"}, format="json").status_code == 201
    assert entries(workspace) == [("domain", "example.com"), ("domain", "xn--bcher-kva.de")]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "example.com"}, "email"),
        ({"domain": "jane@example.com"}, "domain"),
        ({"email": "jane@"}, "email"),
        ({}, "non_field_errors"),
        ({"email": "a@example.com", "domain": "example.com"}, "non_field_errors"),
        ({"email": "a@example.com", "values": ["b@example.com"]}, "non_field_errors"),
        ({"values": []}, "values"),
        ({"values": "a@example.com"}, "values"),
        ({"values": [1]}, "values"),
        ({"value": "a@example.com"}, "value"),
    ],
)
def test_anything_but_exactly_one_good_key_is_a_400_and_adds_nothing(api_client, workspace, body, field):
    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["details"]
    assert entries(workspace) == []


def test_values_answers_added_already_and_each_invalid_one(api_client, workspace):
    suppression_add(workspace=workspace, value="old@example.com")

    response = api_client.post(
        URL, {"values": ["new@example.com", "old@example.com", "nope", "@spam.example"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "added": 2,
        "already": 1,
        "invalid": [{"index": 2, "value": "nope", "reason": "'nope' is not an email address or a domain."}],
    }
    assert entries(workspace) == [
        ("domain", "spam.example"),
        ("email", "new@example.com"),
        ("email", "old@example.com"),
    ]


def test_ten_thousand_values_are_taken_and_ten_thousand_and_one_are_a_400(api_client, workspace):
    values = [f"person{n}@example.com" for n in range(10_000)]

    too_many = api_client.post(URL, {"values": [*values, "one.more@example.com"]}, format="json")
    assert too_many.status_code == 400
    assert "values" in too_many.json()["error"]["details"]
    assert entries(workspace) == []

    response = api_client.post(URL, {"values": values}, format="json")
    assert response.json()["added"] == 10_000


def test_the_list_is_newest_first_and_filters_by_search_and_kind(api_client, workspace):
    for value in ["jane@acme.example", "acme.example", "bob@other.example"]:
        suppression_add(workspace=workspace, value=value)

    def values(**query):
        response = api_client.get(URL, query)
        assert response.status_code == 200
        return [item["value"] for item in response.json()["results"]]

    assert values() == ["bob@other.example", "acme.example", "jane@acme.example"]
    assert values(search="ACME") == ["acme.example", "jane@acme.example"]
    assert values(kind="domain") == ["acme.example"]
    assert values(kind="email", search="acme") == ["jane@acme.example"]
    assert set(api_client.get(URL).json()["results"][0]) == KEYS


def test_the_list_pages(api_client, workspace):
    suppression_add(workspace=workspace, values=[f"p{n}@example.com" for n in range(3)])

    first = api_client.get(URL, {"limit": 2}).json()
    second = api_client.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None


@pytest.mark.parametrize("kind", ["phone", ""])
def test_an_unknown_or_empty_kind_is_a_400(api_client, kind):
    response = api_client.get(URL, {"kind": kind})

    assert response.status_code == 400
    assert "kind" in response.json()["error"]["details"]


def test_deleting_an_entry_takes_it_off_the_list(api_client, workspace):
    entry = suppression_add(workspace=workspace, value="jane@example.com")

    response = api_client.delete(f"{URL}/{entry.pk}")

    assert response.status_code == 204
    assert entries(workspace) == []
    assert api_client.delete(f"{URL}/{entry.pk}").status_code == 404


def test_another_workspaces_list_is_not_shown(api_client, other_workspace):
    suppression_add(workspace=other_workspace, value="theirs@example.com")

    assert api_client.get(URL).json()["results"] == []


def test_a_retried_post_with_the_same_idempotency_key_replays_the_answer(api_client, workspace):
    first = api_client.post(URL, {"email": "jane@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api_client.post(URL, {"email": "jane@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
