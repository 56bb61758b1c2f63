"""Rule 24 end to end: a lead taken from the Lead Finder into a campaign, sent to through a real SMTP
server that refuses the address with a 5xx, gets its credit back once."""

from datetime import timedelta

import pytest
import time_machine

from billing import selectors as billing_selectors
from billing.models import LedgerEntry
from leadfinder import services as leadfinder_services
from leadfinder.models import Ownership, Prospect
from sending.scheduler import send_due
from tests.billing.factories import ledger_sum
from tests.factories import make_prospects
from tests.sending.factories import (
    MONDAY_10,
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


def test_an_smtp_5xx_for_a_lead_finder_lead_refunds_its_credit_once(clock, smtp_server, workspace):
    mailbox = mailbox_for(smtp_server, workspace)
    campaign = sending_campaign(
        workspace, [mailbox], steps=({"subject": "Hello"}, {"subject": "", "delay_days": 1})
    )
    [gone, fine] = make_prospects(2)
    download = leadfinder_services.download_create(
        workspace=workspace, prospect_ids=[gone.pk, fine.pk], campaign=campaign
    )
    assert (download.charged, download.added_to_campaign) == (2, 2)
    balance = billing_selectors.lead_credits_balance(workspace=workspace)
    smtp_server.replies[gone.email] = "550 5.1.1 No such user"

    assert send_due() == 1
    clock.shift(timedelta(days=1))
    send_due()

    lead = Ownership.objects.for_workspace(workspace).get(prospect=gone).lead
    assert enrollment(campaign, lead).status == "bounced"
    refund = LedgerEntry.objects.for_workspace(workspace).get(kind=LedgerEntry.Kind.REFUND)
    assert refund.amount == 1
    assert refund.reference == f"leadfinder-download:{download.pk}:prospect:{gone.pk}:bounced"
    assert billing_selectors.lead_credits_balance(workspace=workspace) == balance + 1 == ledger_sum(workspace)
    assert Prospect.objects.get(pk=gone.pk).email_status == "bounced"
    assert Prospect.objects.get(pk=fine.pk).email_status == "verified"
    assert (len(smtp_server.messages_to(fine.email)), smtp_server.messages_to(gone.email)) == (2, [])


@pytest.mark.parametrize("answer", ["550 5.7.1 Message rejected as spam", "550 Mailbox unavailable"])
def test_a_refusal_that_says_nothing_against_the_address_neither_refunds_nor_marks_the_prospect(
    clock, smtp_server, workspace, answer
):
    """A workspace chooses its own SMTP server: only an address failure (5.1.x) is evidence enough to give
    credits back and to stop selling the prospect to everyone. The lead still ends as bounced here."""
    mailbox = mailbox_for(smtp_server, workspace)
    campaign = sending_campaign(workspace, [mailbox])
    [blocked] = make_prospects(1)
    leadfinder_services.download_create(workspace=workspace, prospect_ids=[blocked.pk], campaign=campaign)
    balance = billing_selectors.lead_credits_balance(workspace=workspace)
    smtp_server.replies[blocked.email] = answer

    send_due()

    lead = Ownership.objects.for_workspace(workspace).get(prospect=blocked).lead
    assert enrollment(campaign, lead).status == "bounced"
    assert not LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.REFUND).exists()
    assert billing_selectors.lead_credits_balance(workspace=workspace) == balance
    assert Prospect.objects.get(pk=blocked.pk).email_status != "bounced"
