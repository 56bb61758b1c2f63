"""Rule 24 under real concurrency: one bounce recorded at once by several workers (the SMTP path and the
IMAP poller, or a redelivered task) refunds its credit once."""

import itertools

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing import selectors as billing_selectors
from billing.models import LedgerEntry
from leadfinder import services
from leadfinder.models import Ownership, Prospect
from sending.bounces import bounce_record
from sending.models import Message
from tests.billing.factories import ledger_sum
from tests.concurrency.threads import run_together
from tests.factories import CampaignFactory, WorkspaceFactory, make_prospects

pytestmark = pytest.mark.django_db(transaction=True)

_numbers = itertools.count(1)

# A bounce that says the address does not exist (RFC 3463 "bad destination mailbox address").
NO_SUCH_USER = "5.1.1"


def sent_message(workspace, campaign, lead):
    return Message.objects.create(
        workspace=workspace,
        campaign=campaign,
        lead=lead,
        step_number=next(_numbers),
        to_email=lead.email,
        message_id=f"<{next(_numbers)}.race@outreach.example>",
        status=Message.Status.SENT,
        claimed_at=timezone.now(),
    )


def test_eight_workers_recording_one_bounce_at_once_refund_one_credit():
    workspace = WorkspaceFactory()
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(2)
    download = services.download_create(
        workspace=workspace, prospect_ids=[p.pk for p in prospects], campaign=campaign
    )
    leads = [Ownership.objects.for_workspace(workspace).get(prospect=p).lead for p in prospects]
    # The first lead's bounce arrives from several messages and several times; the second's once.
    messages = [sent_message(workspace, campaign, leads[0]) for _ in range(3)]
    other = sent_message(workspace, campaign, leads[1])
    actions = [
        lambda m=messages[i % 3]: bounce_record(workspace=workspace, message=m, status=NO_SUCH_USER)
        for i in range(7)
    ]
    actions.append(lambda: bounce_record(workspace=workspace, message=other, status=NO_SUCH_USER))

    outcomes = run_together(actions)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    refunds = LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.REFUND)
    assert refunds.count() == 2
    assert set(refunds.values_list("reference", flat=True)) == {
        f"leadfinder-download:{download.pk}:prospect:{p.pk}:bounced" for p in prospects
    }
    balance = billing_selectors.lead_credits_balance(workspace=workspace)
    assert balance == 100 == ledger_sum(workspace)
    statuses = Prospect.objects.filter(pk__in=[p.pk for p in prospects]).values_list(
        "email_status", flat=True
    )
    assert set(statuses) == {"bounced"}
    call_command("audit_quotas")
