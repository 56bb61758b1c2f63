"""Rule 12 under real concurrency: many requests spending one workspace's quotas at the same moment."""

import threading

import pytest
from django.db import connection

from billing import selectors, services
from billing.errors import ActiveLeadsLimitReached, InsufficientLeadCredits
from billing.models import CreditGrant, LedgerEntry, Quota
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count, action):
    """Runs ``action(i)`` in ``count`` threads released at once; returns what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(i):
        try:
            barrier.wait()
            outcomes[i] = action(i)
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_fifty_simultaneous_debits_never_spend_more_than_was_granted():
    workspace = WorkspaceFactory()  # a trial: 100 monthly credits
    services.lead_credits_grant(
        workspace=workspace, amount=20, source=CreditGrant.Source.ADJUSTMENT, description="top-up"
    )

    outcomes = run_together(
        50,
        lambda i: services.lead_credits_debit(
            workspace=workspace, amount=3, description=f"download {i}", reference=f"download:{i}"
        ),
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

    outcomes = run_together(
        20,
        lambda i: services.lead_credits_debit(
            workspace=workspace, amount=7, allow_partial=True, description="x"
        ),
    )

    spent = sum(-o.amount for o in outcomes if isinstance(o, LedgerEntry))
    assert [o for o in outcomes if o is not None and not isinstance(o, LedgerEntry)] == []
    assert spent == 100
    assert selectors.lead_credits_balance(workspace=workspace) == 0


def test_simultaneous_reservations_never_take_used_over_the_limit():
    workspace = WorkspaceFactory()  # a trial: 250 active leads

    outcomes = run_together(20, lambda i: services.active_leads_reserve(workspace=workspace, count=20))

    taken = [o for o in outcomes if isinstance(o, int)]
    refusals = [o for o in outcomes if not isinstance(o, int)]
    assert all(isinstance(refusal, ActiveLeadsLimitReached) for refusal in refusals), refusals
    assert len(taken) == 12
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == sum(taken) == 240
