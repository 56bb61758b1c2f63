"""An id in a URL past the largest primary key (a bigint) names nothing: 404, as an id of another
workspace is, never a 500 (the database's out-of-range error)."""

import pytest
from django.test import Client

from tests.factories import owner_of

PAST_THE_LARGEST = str(2**63)
LONGER_STILL = "9" * 30


@pytest.mark.parametrize("number", [PAST_THE_LARGEST, LONGER_STILL])
@pytest.mark.parametrize(
    "path", ["leads/{}", "campaigns/{}", "campaigns/{}/leads", "imports/{}", "leadfinder/downloads/{}"]
)
def test_the_api_answers_404_for_an_id_past_the_largest(api_client, path, number):
    response = api_client.get("/api/v1/" + path.format(number))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("number", [PAST_THE_LARGEST, LONGER_STILL])
@pytest.mark.parametrize("path", ["contacts/{}/", "campaigns/{}/", "imports/{}/"])
def test_the_dashboard_answers_404_for_an_id_past_the_largest(workspace, path, number):
    client = Client()
    client.force_login(owner_of(workspace))

    assert client.get("/" + path.format(number)).status_code == 404


def test_the_largest_id_itself_is_a_route_that_finds_nothing(api_client):
    response = api_client.get(f"/api/v1/leads/{2**63 - 1}")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No lead with that id."
