"""``/leadfinder/downloads`` of the API: taking prospects, the answer of API.md, refusals, retries."""

import csv
import io

import pytest

from billing import selectors as billing_selectors
from billing.models import LedgerEntry
from leadfinder.models import Download, Ownership
from leads.models import Lead
from tests.billing.factories import debit_credits
from tests.factories import CampaignFactory, LeadFactory, enroll, make_prospects
from tests.unchanged import nothing_changes

pytestmark = pytest.mark.django_db

URL = "/api/v1/leadfinder/downloads"
ANSWER_FIELDS = {
    "id",
    "requested",
    "charged",
    "already_owned",
    "skipped_no_email",
    "added_to_campaign",
    "not_added_over_limit",
    "credits_balance",
    "file_url",
}


def balance(workspace):
    return billing_selectors.lead_credits_balance(workspace=workspace)


def csv_of(response):
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


def test_downloading_by_ids_answers_201_with_the_buckets_and_a_file_url(api_client, workspace):
    prospects = make_prospects(3)
    [no_email] = make_prospects(1, email="")

    response = api_client.post(URL, {"prospect_ids": [p.pk for p in [*prospects, no_email]]}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= ANSWER_FIELDS
    assert {key: body[key] for key in ANSWER_FIELDS - {"id", "file_url"}} == {
        "requested": 4,
        "charged": 3,
        "already_owned": 0,
        "skipped_no_email": 1,
        "added_to_campaign": 0,
        "not_added_over_limit": 0,
        "credits_balance": 97,
    }
    assert body["file_url"] == f"http://testserver{URL}/{body['id']}/file.csv"


def test_the_file_can_be_downloaded_again_for_free(api_client, workspace):
    prospects = make_prospects(2)
    body = api_client.post(URL, {"prospect_ids": [p.pk for p in prospects]}, format="json").json()

    first = api_client.get(body["file_url"])
    second = api_client.get(body["file_url"], HTTP_ACCEPT="text/csv")

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in first["Content-Disposition"]
    assert [row["email"] for row in csv_of(second)] == [p.email for p in prospects]
    assert balance(workspace) == 98


def test_downloading_by_filters_takes_the_first_limit_of_the_search(api_client, workspace):
    make_prospects(5, country="DE")
    make_prospects(5, country="US")

    response = api_client.post(URL, {"filters": {"country": "DE"}, "limit": 3}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["charged"] == 3
    assert set(Lead.objects.for_workspace(workspace).values_list("country", flat=True)) == {"Germany"}


def test_short_of_credits_is_a_402_naming_needed_and_balance_and_charges_nothing(api_client, workspace):
    prospects = make_prospects(5)
    debit_credits(workspace, 97)

    with nothing_changes():
        response = api_client.post(URL, {"prospect_ids": [p.pk for p in prospects]}, format="json")

    assert response.status_code == 402
    assert response.json()["error"]["code"] == "insufficient_lead_credits"
    assert response.json()["error"]["details"] == {"needed": 5, "balance": 3}
    assert balance(workspace) == 3
    assert not Ownership.objects.for_workspace(workspace).exists()
    assert not Download.objects.for_workspace(workspace).exists()


def test_allow_partial_takes_what_the_balance_pays_for(api_client, workspace):
    prospects = make_prospects(5)
    debit_credits(workspace, 97)

    response = api_client.post(
        URL, {"prospect_ids": [p.pk for p in prospects], "allow_partial": True}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["charged"], body["not_added_over_limit"], body["credits_balance"]) == (3, 2, 0)


def test_adding_to_a_campaign_reports_what_did_not_fit(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(150)

    response = api_client.post(
        URL,
        {"prospect_ids": [p.pk for p in prospects], "campaign": campaign.pk, "allow_partial": True},
        format="json",
    )

    body = response.json()
    assert (body["added_to_campaign"], body["charged"], body["not_added_over_limit"]) == (100, 100, 50)
    campaign.refresh_from_db()
    assert campaign.lead_count == 100


def test_a_take_says_nothing_free_about_whether_a_masked_email_is_a_known_contact(api_client, workspace):
    """No slot and no credit left: whether a masked prospect's hidden email is one of the workspace's
    contacts (active or not) must not change the answer, or guesses could be checked for nothing."""
    full = CampaignFactory(workspace=workspace)
    guessed, unknown = make_prospects(2)
    enroll(full, [LeadFactory(workspace=workspace, email=guessed.email)])
    enroll(full, LeadFactory.create_batch(249, workspace=workspace))  # the trial's 250 slots are taken
    debit_credits(workspace, 100)
    target = CampaignFactory(workspace=workspace)

    answers = [
        api_client.post(URL, {"prospect_ids": [prospect.pk], "campaign": target.pk}, format="json")
        for prospect in (guessed, unknown)
    ]

    assert [answer.status_code for answer in answers] == [201, 201]
    bodies = [{key: answer.json()[key] for key in ANSWER_FIELDS - {"id", "file_url"}} for answer in answers]
    assert bodies[0] == bodies[1]
    assert (bodies[0]["charged"], bodies[0]["not_added_over_limit"]) == (0, 1)
    assert not Ownership.objects.for_workspace(workspace).exists()


def test_another_workspaces_campaign_is_a_404_and_nothing_is_charged(api_client, workspace, other_workspace):
    theirs = CampaignFactory(workspace=other_workspace)
    prospects = make_prospects(2)

    response = api_client.post(
        URL, {"prospect_ids": [p.pk for p in prospects], "campaign": theirs.pk}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert balance(workspace) == 100


def test_unknown_prospect_ids_are_a_400_naming_them(api_client, workspace):
    [prospect] = make_prospects(1)

    with nothing_changes():
        response = api_client.post(URL, {"prospect_ids": [prospect.pk, 987654]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"prospect_ids": ["No prospect with id 987654."]}
    assert balance(workspace) == 100


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prospect_ids": list(range(1, 10_002))}, "prospect_ids"),
        ({"filters": {}, "limit": 10_001}, "limit"),
        ({"filters": {"seniority": ["vp"]}}, "limit"),
        ({"filters": {"seniorty": ["vp"]}, "limit": 5}, "filters"),
        ({"prospect_ids": [1], "limit": 5}, "limit"),
        ({}, "non_field_errors"),
        ({"prospect_ids": [1], "filters": {}, "limit": 1}, "non_field_errors"),
        ({"prospect_ids": ["one"]}, "prospect_ids"),
        ({"prospect_ids": [1], "extra": True}, "extra"),
    ],
)
def test_bad_download_requests_are_a_400_and_change_nothing(api_client, workspace, body, field):
    with nothing_changes():
        response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["details"]
    assert not LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.DEBIT).exists()


def test_a_retry_with_the_same_idempotency_key_replays_and_charges_once(api_client, workspace):
    prospects = make_prospects(4)
    body = {"prospect_ids": [p.pk for p in prospects]}

    first = api_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="take-4")
    again = api_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="take-4")
    other = api_client.post(
        URL, {"prospect_ids": [prospects[0].pk]}, format="json", HTTP_IDEMPOTENCY_KEY="take-4"
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert Download.objects.for_workspace(workspace).count() == 1
    assert balance(workspace) == 96


def test_members_may_take_prospects(member_api_client):
    prospects = make_prospects(1)

    response = member_api_client.post(URL, {"prospect_ids": [prospects[0].pk]}, format="json")

    assert response.status_code == 201


def test_the_downloads_list_and_detail_show_the_workspaces_own_newest_first(
    api_client, other_api_client, workspace
):
    prospects = make_prospects(3)
    first = api_client.post(URL, {"prospect_ids": [prospects[0].pk]}, format="json").json()
    second = api_client.post(URL, {"prospect_ids": [p.pk for p in prospects]}, format="json").json()
    other_api_client.post(URL, {"prospect_ids": [prospects[0].pk]}, format="json")

    listed = api_client.get(URL).json()
    detail = api_client.get(f"{URL}/{second['id']}").json()

    assert [row["id"] for row in listed["results"]] == [second["id"], first["id"]]
    assert (detail["requested"], detail["charged"], detail["already_owned"]) == (3, 2, 1)
    assert detail["query"] == {"prospect_ids": [p.pk for p in prospects]}
    assert detail["file_url"] == second["file_url"]
