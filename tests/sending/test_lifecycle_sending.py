"""Rule 22 with the scheduler and a real SMTP server: a lead paused by a person gets nothing until it is
resumed, a paused campaign sends nothing until it is active again, and a sequence the sender completes
frees its slot in the transaction that completes it."""

from datetime import timedelta

import pytest
import time_machine

from billing.models import Quota
from campaigns import services
from campaigns.models import Campaign
from core.api.models import Event
from sending.scheduler import send_due
from tests.sending.factories import (
    MONDAY_10,
    enroll_due,
    enrollment,
    mailbox_for,
    sending_campaign,
    sending_settings,  # noqa: F401 - a fixture
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sending_settings")]


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mailbox(smtp_server, workspace):
    return mailbox_for(smtp_server, workspace)


def used(workspace):
    return Quota.objects.for_workspace(workspace).get().active_leads_used


def test_a_paused_lead_gets_nothing_until_it_is_resumed(clock, smtp_server, workspace, mailbox):
    campaign = sending_campaign(workspace, [mailbox])
    paused, other = enroll_due(campaign, count=2)
    services.enrollment_set_status(workspace=workspace, campaign=campaign, lead_id=paused.pk, status="paused")

    assert send_due() == 1
    assert smtp_server.messages_to(paused.email) == []
    assert len(smtp_server.messages_to(other.email)) == 1

    clock.shift(timedelta(minutes=5))
    services.enrollment_set_status(workspace=workspace, campaign=campaign, lead_id=paused.pk, status="active")
    assert send_due() == 1
    assert len(smtp_server.messages_to(paused.email)) == 1
    assert used(workspace) == 0  # a one-step sequence: both completed, both slots free


def test_a_paused_campaign_sends_nothing_until_it_is_active_again(clock, smtp_server, workspace, mailbox):
    campaign = sending_campaign(workspace, [mailbox])
    (lead,) = enroll_due(campaign)
    services.campaign_set_status(workspace=workspace, campaign=campaign, status=Campaign.Status.PAUSED)

    assert send_due() == 0
    assert used(workspace) == 1

    services.campaign_set_status(workspace=workspace, campaign=campaign, status=Campaign.Status.ACTIVE)
    assert send_due() == 1
    assert len(smtp_server.messages_to(lead.email)) == 1


def test_the_last_step_completes_the_sequence_frees_the_slot_and_emits_lead_completed(
    clock, smtp_server, workspace, mailbox
):
    campaign = sending_campaign(workspace, [mailbox], steps=({}, {"subject": "", "delay_days": 1}))
    (lead,) = enroll_due(campaign)

    send_due()
    assert (enrollment(campaign, lead).status, used(workspace)) == ("active", 1)
    clock.shift(timedelta(days=1))
    send_due()

    done = enrollment(campaign, lead)
    assert (done.status, done.finished_at) == ("completed", MONDAY_10 + timedelta(days=1))
    assert used(workspace) == 0
    (event,) = Event.objects.for_workspace(workspace)
    assert (event.type, event.data["lead"]["id"], event.data["campaign"]["id"]) == (
        "lead.completed",
        lead.pk,
        campaign.pk,
    )
