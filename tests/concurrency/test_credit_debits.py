"""Rule 12 under real concurrency: many requests spending one workspace's quotas at the same moment."""

import pytest

from billing import selectors, services
from billing.errors import ActiveLeadsLimitReached, InsufficientLeadCredits
from billing.models import CreditGrant, LedgerEntry, Quota
from tests.billing.factories import debit_credits, take_slots
from tests.concurrency.threads import run_together
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_simultaneous_debits_never_spend_more_than_was_granted():
    workspace = WorkspaceFactory()  # a trial: 100 monthly credits
    services.lead_credits_grant(
        workspace=workspace, amount=20, source=CreditGrant.Source.ADJUSTMENT, description="top-up"
    )

    outcomes = run_together(
        [
            lambda i=i: debit_credits(workspace, 3, description=f"download {i}", reference=f"download:{i}")
            for i in range(50)
        ]
    )

    debits = [o for o in outcomes if isinstance(o, LedgerEntry)]
    refusals = [o for o in outcomes if not isinstance(o, LedgerEntry)]
    assert all(isinstance(refusal, InsufficientLeadCredits) for refusal in refusals), refusals
    assert len(debits) == 40
    assert all(refusal.details == {"needed": 3, "balance": 0} for refusal in refusals)
    entries = LedgerEntry.objects.for_workspace(workspace).order_by("id")
    assert sum(entry.amount for entry in entries) == 120 - 3 * len(debits) == 0
    assert [entry.balance_after for entry in entries][-1] == selectors.lead_credits_balance(
        workspace=workspace
    )
    assert all(entry.balance_after >= 0 for entry in entries)


def test_simultaneous_partial_debits_share_the_balance_exactly():
    workspace = WorkspaceFactory()

    outcomes = run_together([lambda: debit_credits(workspace, 7, allow_partial=True) for _ in range(20)])

    spent = sum(-o.amount for o in outcomes if isinstance(o, LedgerEntry))
    assert [o for o in outcomes if o is not None and not isinstance(o, LedgerEntry)] == []
    assert spent == 100
    assert selectors.lead_credits_balance(workspace=workspace) == 0


def test_simultaneous_reservations_never_take_used_over_the_limit():
    workspace = WorkspaceFactory()  # a trial: 250 active leads

    outcomes = run_together([lambda: take_slots(workspace, 20)] * 20)

    taken = [o for o in outcomes if isinstance(o, int)]
    refusals = [o for o in outcomes if not isinstance(o, int)]
    assert all(isinstance(refusal, ActiveLeadsLimitReached) for refusal in refusals), refusals
    assert len(taken) == 12
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == sum(taken) == 240
