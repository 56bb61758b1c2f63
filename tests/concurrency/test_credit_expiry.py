"""Rule 6 under real concurrency: readers arriving together after a grant expired, with nothing
changed since, all see a balance that is the sum of the ledger, and the expiry is written once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from billing import selectors, services
from billing.models import CreditGrant, LedgerEntry
from tests.concurrency.threads import run_together
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def ledger_sum(workspace):
    return sum(selectors.ledger_for_workspace(workspace=workspace).values_list("amount", flat=True))


def usage_balance(workspace):
    return selectors.usage_for_workspace(workspace=workspace)["lead_credits"]["balance"]


def test_simultaneous_reads_after_an_expiry_agree_with_the_ledger_and_write_the_expiry_once():
    workspace = WorkspaceFactory()  # a trial: 100 monthly credits for a month
    services.lead_credits_grant(
        workspace=workspace,
        amount=40,
        source=CreditGrant.Source.ADJUSTMENT,
        description="promotion",
        expires_at=timezone.now() + timedelta(hours=1),
    )

    def ledger_then_balance():
        return ledger_sum(workspace), usage_balance(workspace)

    def balance_then_ledger():
        balance = selectors.lead_credits_balance(workspace=workspace)
        return ledger_sum(workspace), balance

    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        outcomes = run_together([ledger_then_balance, balance_then_ledger] * 6)

    assert outcomes == [(100, 100)] * 12
    expiries = LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.EXPIRY)
    assert list(expiries.values_list("amount", flat=True)) == [-40]
    assert services.quota_audit(workspace=workspace) == []
