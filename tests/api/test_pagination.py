import base64
from urllib.parse import urlencode

import pytest

from accounts import services

pytestmark = pytest.mark.urls("tests.api.urls_for_tests")

URL = "/api/v1/test-keys/list"


@pytest.fixture
def many_keys(workspace):
    # The api_client fixture's own key makes one more.
    for number in range(120):
        services.api_key_create(workspace=workspace, name=f"key {number}")


def test_default_page_is_50_with_a_next_link(api_client, many_keys):
    body = api_client.get(URL).json()
    assert set(body) == {"results", "next"}
    assert len(body["results"]) == 50
    assert body["next"].startswith("http://testserver/api/v1/test-keys/list?cursor=")


def test_limit_is_capped_at_100(api_client, many_keys):
    assert len(api_client.get(URL, {"limit": 500}).json()["results"]) == 100


def test_following_next_walks_every_row_once(api_client, many_keys):
    seen, url = [], URL + "?limit=33"
    while url:
        body = api_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 121
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("limit", ["0", "-5", "ten", "1.5"])
def test_a_bad_limit_is_400(api_client, limit):
    response = api_client.get(URL, {"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"limit": ["Must be a whole number from 1 to 100."]}


def well_formed_cursor(position):
    """A cursor as DRF encodes one, around a position made by hand."""
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize(
    "cursor", ["garbage", well_formed_cursor("abc"), well_formed_cursor("-1"), well_formed_cursor(str(2**70))]
)
def test_a_bad_cursor_is_400(api_client, cursor):
    response = api_client.get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["details"]


def test_lists_show_only_the_workspace_of_the_key(api_client, other_workspace):
    services.api_key_create(workspace=other_workspace, name="not yours")
    names = [row["name"] for row in api_client.get(URL).json()["results"]]
    assert "not yours" not in names
