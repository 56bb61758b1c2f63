"""/api/v1/replies (API.md): the Replies inbox across campaigns, its filters and pages, and labels."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sending.models import Reply
from tests.factories import CampaignFactory, LeadFactory
from tests.sending.factories import MailboxFactory, ReplyFactory, message_to

URL = "/api/v1/replies"
KEYS = {"id", "lead", "campaign", "mailbox", "received_at", "subject", "snippet", "label"}
DETAIL_KEYS = KEYS | {"kind", "from_email", "body"}
LABELS = ["interested", "not_interested", "out_of_office", "wrong_person"]


def minutes_ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def inbox(workspace):
    """Two campaigns and two mailboxes; replies of each kind, received a minute apart."""
    spring, autumn = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    first, second = MailboxFactory(workspace=workspace), MailboxFactory(workspace=workspace)

    def reply(campaign, mailbox, minutes, **fields):
        lead = LeadFactory(workspace=workspace)
        return ReplyFactory(
            message=message_to(campaign, lead, mailbox), received_at=minutes_ago(minutes), **fields
        )

    replies = {
        "jane": reply(spring, first, 5, subject="Re: Hello Jane", from_email="jane@acme.example"),
        "omar": reply(spring, second, 3, subject="Re: Pricing", label="interested"),
        "li": reply(autumn, first, 1, subject="Re: Hello Li", label="wrong_person"),
        "away": reply(spring, first, 2, kind=Reply.Kind.AUTO_REPLY, subject="Out of office"),
        "bounce": reply(autumn, second, 4, kind=Reply.Kind.BOUNCE, subject="Undelivered Mail"),
    }
    return {"spring": spring, "autumn": autumn, "first": first, "second": second, **replies}


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_the_inbox_lists_replies_newest_first_and_leaves_automatic_replies_and_bounces_out(api_client, inbox):
    response = api_client.get(URL)

    assert ids(response) == [inbox["li"].pk, inbox["omar"].pk, inbox["jane"].pk]
    item = response.json()["results"][1]
    assert set(item) == KEYS
    omar = inbox["omar"]
    assert item["lead"] == omar.lead_id
    assert item["campaign"] == inbox["spring"].pk
    assert item["mailbox"] == inbox["second"].pk
    assert (item["subject"], item["snippet"], item["label"]) == ("Re: Pricing", omar.snippet, "interested")
    assert item["received_at"].endswith("Z")


@pytest.mark.parametrize(
    "kind, expected", [("auto_reply", ["away"]), ("bounce", ["bounce"]), ("reply", ["li", "omar", "jane"])]
)
def test_kind_asks_for_automatic_replies_or_bounces(api_client, inbox, kind, expected):
    assert ids(api_client.get(URL, {"kind": kind})) == [inbox[name].pk for name in expected]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"campaign": "spring"}, ["omar", "jane"]),
        ({"mailbox": "first"}, ["li", "jane"]),
        ({"campaign": "spring", "mailbox": "first"}, ["jane"]),
        ({"label": "interested"}, ["omar"]),
        ({"label": "none"}, ["jane"]),
        ({"q": "JANE@acme"}, ["jane"]),
        ({"q": "hello"}, ["li", "jane"]),
        ({"q": "pricing", "label": "wrong_person"}, []),
        ({"q": ""}, ["li", "omar", "jane"]),
    ],
)
def test_the_filters_combine(api_client, inbox, query, expected):
    named = {
        key: inbox[value].pk if key in ("campaign", "mailbox") else value for key, value in query.items()
    }

    assert ids(api_client.get(URL, named)) == [inbox[name].pk for name in expected]


def test_pages_follow_each_other_newest_first_even_for_replies_received_in_the_same_second(
    api_client, workspace
):
    campaign, lead = CampaignFactory(workspace=workspace), LeadFactory(workspace=workspace)
    message = message_to(campaign, lead)
    same_moment = minutes_ago(10)
    replies = [ReplyFactory(message=message, received_at=same_moment) for _ in range(4)]
    replies += [ReplyFactory(message=message, received_at=minutes_ago(20 + n)) for n in range(3)]
    expected = [reply.pk for reply in sorted(replies, key=lambda r: (r.received_at, r.pk), reverse=True)]

    seen, url, pages = [], URL + "?limit=2", 0
    while url:
        body = api_client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url, pages = body["next"], pages + 1

    assert seen == expected
    assert pages == 4


@pytest.mark.parametrize(
    "query, field",
    [
        ({"kind": ""}, "kind"),
        ({"kind": "spam"}, "kind"),
        ({"label": ""}, "label"),
        ({"label": "maybe"}, "label"),
        ({"campaign": "spring"}, "campaign"),
        ({"mailbox": ""}, "mailbox"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "cD0yMDI0"}, "cursor"),  # "p=2024": a position made by hand
        ({"cursor": "cD0xMjM0NQ=="}, "cursor"),  # "p=12345": an id, not a time
        ({"q": "x" * 201}, "q"),
    ],
)
def test_a_bad_query_is_a_400_naming_the_parameter(api_client, inbox, query, field):
    response = api_client.get(URL, query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["details"]


@pytest.mark.parametrize("name", ["campaign", "mailbox"])
def test_a_campaign_or_mailbox_of_another_workspace_is_a_404(api_client, inbox, other_workspace, name):
    theirs = (
        CampaignFactory(workspace=other_workspace)
        if name == "campaign"
        else MailboxFactory(workspace=other_workspace)
    )

    response = api_client.get(URL, {name: theirs.pk})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_workspaces_replies_are_not_in_the_inbox(api_client, inbox, other_workspace):
    campaign = CampaignFactory(workspace=other_workspace)
    ReplyFactory(message=message_to(campaign, LeadFactory(workspace=other_workspace)))

    assert ids(api_client.get(URL)) == [inbox["li"].pk, inbox["omar"].pk, inbox["jane"].pk]


def test_one_reply_answers_its_whole_text_sender_and_kind(api_client, inbox):
    bounce = inbox["bounce"]

    response = api_client.get(f"{URL}/{bounce.pk}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == DETAIL_KEYS
    assert (body["kind"], body["from_email"], body["body"]) == ("bounce", bounce.from_email, bounce.body)


@pytest.mark.parametrize("label", LABELS)
def test_patching_a_label_sets_it(api_client, inbox, label):
    jane = inbox["jane"]

    response = api_client.patch(f"{URL}/{jane.pk}", {"label": label}, format="json")

    assert response.status_code == 200
    assert response.json()["label"] == label
    assert set(response.json()) == DETAIL_KEYS
    jane.refresh_from_db()
    assert jane.label == label


@pytest.mark.parametrize("empty", [None, ""])
def test_patching_null_or_empty_clears_the_label(api_client, inbox, empty):
    omar = inbox["omar"]

    response = api_client.patch(f"{URL}/{omar.pk}", {"label": empty}, format="json")

    assert response.status_code == 200
    assert response.json()["label"] == ""
    omar.refresh_from_db()
    assert omar.label == ""


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"label": "hot"}, "label", '"hot" is not a label'),
        ({"label": "Interested"}, "label", '"Interested" is not a label'),
        ({"label": 1}, "label", "Must be text."),
        ({"label": ["interested"]}, "label", "Must be text."),
        ({}, "label", "required"),
        ({"label": "interested", "kind": "bounce"}, "kind", "Unknown field."),
    ],
)
def test_a_bad_label_is_a_400_naming_it_and_changes_nothing(api_client, inbox, body, field, words):
    omar = inbox["omar"]

    response = api_client.patch(f"{URL}/{omar.pk}", body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert words in " ".join(error["details"][field])
    omar.refresh_from_db()
    assert (omar.label, omar.kind) == ("interested", "reply")


def test_a_member_may_label_as_an_owner_may(member_api_client, inbox):
    response = member_api_client.patch(
        f"{URL}/{inbox['jane'].pk}", {"label": "not_interested"}, format="json"
    )

    assert response.status_code == 200
    inbox["jane"].refresh_from_db()
    assert inbox["jane"].label == "not_interested"


def test_the_openapi_document_describes_the_answers(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    listed = components["PaginatedReplyList"]["properties"]["results"]["items"]["$ref"].split("/")[-1]
    assert set(components[listed]["properties"]) == KEYS
    assert set(components["ReplyDetail"]["properties"]) == DETAIL_KEYS
    assert components["ReplyLabelEnum"]["enum"] == LABELS
    parameters = {p["name"] for p in schema["paths"]["/api/v1/replies"]["get"]["parameters"]}
    assert {"kind", "label", "campaign", "mailbox", "q", "cursor", "limit"} <= parameters
    assert set(schema["paths"]["/api/v1/replies/{reply_id}"]) == {"get", "patch"}
