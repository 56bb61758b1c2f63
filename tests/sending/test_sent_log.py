"""The sent log: GET /campaigns/{id}/messages and the dashboard's Sent page."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sending.models import Message
from sending.scheduler import send_due
from tests.factories import owner_of
from tests.sending.factories import (
    MONDAY_10,
    enroll_due,
    mailbox_for,
    sending_campaign,
    sending_settings,  # noqa: F401 - a fixture
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("sending_settings"),
]


@pytest.fixture
def campaign_with_a_log(smtp_server, workspace):
    """Two messages sent, then one refused for now (451), then a claim a dead worker left (unknown)."""
    mailbox = mailbox_for(smtp_server, workspace, email="sam@outreach.example")
    campaign = sending_campaign(workspace, [mailbox])
    with time_machine.travel(MONDAY_10, tick=False) as clock:
        enroll_due(campaign, count=2)
        send_due()
        clock.shift(timedelta(minutes=1))
        (later,) = enroll_due(campaign, email="later@example.com")
        smtp_server.replies[later.email] = "451 4.7.1 Try later"
        send_due()
    return campaign


def test_the_api_lists_a_campaigns_messages_newest_first_with_each_status_and_error(
    api_client, campaign_with_a_log
):
    response = api_client.get(reverse("api:campaign-messages", args=[campaign_with_a_log.pk]))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["status"] for item in results] == ["failed", "sent", "sent"]
    newest = results[0]
    assert set(newest) == {"id", "lead", "step", "mailbox", "message_id", "status", "sent_at", "error"}
    assert newest["error"] == "451 4.7.1 Try later"
    assert newest["sent_at"] is None and newest["step"] == 1
    record = Message.objects.for_workspace(campaign_with_a_log.workspace).get(pk=results[1]["id"])
    assert results[1]["message_id"] == record.message_id
    assert results[1]["lead"] == record.lead_id and results[1]["mailbox"] == record.mailbox_id
    assert results[1]["sent_at"] is not None


def test_the_api_filters_by_status_and_pages_with_a_cursor(api_client, campaign_with_a_log):
    url = reverse("api:campaign-messages", args=[campaign_with_a_log.pk])

    sent = api_client.get(url, {"status": "sent"}).json()
    first = api_client.get(url, {"limit": 2}).json()
    rest = api_client.get(first["next"]).json()

    assert [item["status"] for item in sent["results"]] == ["sent", "sent"]
    assert len(first["results"]) == 2 and len(rest["results"]) == 1 and rest["next"] is None
    ids = [item["id"] for item in first["results"] + rest["results"]]
    assert ids == sorted(ids, reverse=True)


def test_an_unknown_status_filter_is_a_400_naming_it(api_client, campaign_with_a_log):
    response = api_client.get(
        reverse("api:campaign-messages", args=[campaign_with_a_log.pk]), {"status": "lost"}
    )

    assert response.status_code == 400
    assert "status" in response.json()["error"]["details"]


def test_the_sent_page_shows_each_message_and_explains_unknown(workspace, campaign_with_a_log):
    browser = Client()
    browser.force_login(owner_of(workspace))

    detail = browser.get(reverse("campaign_detail", args=[campaign_with_a_log.pk])).content.decode()
    page = browser.get(reverse("campaign_sent", args=[campaign_with_a_log.pk])).content.decode()
    failed_only = browser.get(reverse("campaign_sent", args=[campaign_with_a_log.pk]), {"status": "failed"})

    assert reverse("campaign_sent", args=[campaign_with_a_log.pk]) in detail
    assert page.count('class="badge sent"') == 2
    assert "451 4.7.1 Try later" in page
    assert "later@example.com" in page and "sam@outreach.example" in page
    assert "It may have been delivered, so it is never sent again" in page
    assert failed_only.content.decode().count("<tr>") == 2  # the header and the one refused
