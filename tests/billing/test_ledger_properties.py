"""Rules 5 and 6 under random sequences of grants, debits, refunds, expiries and renewals."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import selectors, services
from billing.errors import InsufficientLeadCredits
from billing.models import CreditGrant
from core.errors import DomainError
from tests.billing.factories import CreditGrantFactory, debit_credits, draws_of
from tests.factories import WorkspaceFactory

START = datetime(2027, 1, 31, 12, tzinfo=UTC)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.integers(1, 300), st.none() | st.integers(1, 90)),
        st.tuples(st.just("debit"), st.integers(1, 400), st.booleans()),
        st.tuples(st.just("refund"), st.integers(0, 20), st.none() | st.integers(1, 150)),
        st.tuples(st.just("wait"), st.integers(1, 40)),
        st.tuples(st.just("renew")),
    ),
    max_size=20,
)


def draw_order(grant):
    return (grant.expires_at is None, grant.expires_at or START, grant.created_at, grant.pk)


def grants_of(workspace):
    return list(CreditGrant.objects.for_workspace(workspace))


def assert_ledger_adds_up(workspace):
    """Rule 6 as every reader sees it: the ledger read first, then the balance, then the source tables."""
    running = 0
    for entry in selectors.ledger_for_workspace(workspace=workspace).order_by("id"):
        running += entry.amount
        assert entry.balance_after == running
    grants = grants_of(workspace)
    assert all(0 <= grant.remaining <= grant.amount for grant in grants)
    assert selectors.lead_credits_balance(workspace=workspace) == running
    assert running == sum(grant.remaining for grant in grants)
    assert services.quota_audit(workspace=workspace) == []


def assert_drawn_soonest_expiring_first(workspace, debit):
    now = timezone.now()
    grants = {grant.pk: grant for grant in grants_of(workspace)}
    drawn = [grants[grant_id] for grant_id, _ in draws_of(debit)]
    assert drawn == sorted(drawn, key=draw_order)
    assert all(grant.remaining == 0 for grant in drawn[:-1])
    last = draw_order(drawn[-1])
    skipped = [g for g in grants.values() if g not in drawn and (g.expires_at is None or g.expires_at > now)]
    assert all(grant.remaining == 0 for grant in skipped if draw_order(grant) < last)


def apply(workspace, operation, debits, clock):
    kind, *args = operation
    if kind == "grant":
        amount, expires_in_days = args
        expires_at = None if expires_in_days is None else timezone.now() + timedelta(days=expires_in_days)
        CreditGrantFactory(workspace=workspace, amount=amount, expires_at=expires_at)
    elif kind == "debit":
        amount, allow_partial = args
        # Read at the debit's moment (the clock stands still): the read renews an ended period as the
        # debit would.
        balance = selectors.lead_credits_balance(workspace=workspace)
        try:
            debit = debit_credits(workspace, amount, allow_partial=allow_partial)
        except InsufficientLeadCredits as refusal:
            assert (amount > balance, allow_partial) == (True, False)
            assert refusal.details == {"needed": amount, "balance": balance}
            return
        assert -(debit.amount if debit else 0) == min(amount, balance)
        if debit is not None:
            assert_drawn_soonest_expiring_first(workspace, debit)
            debits.append(debit)
    elif kind == "refund" and debits:
        index, amount = args
        debit = debits[index % len(debits)]
        refundable = -debit.amount - sum(refund.amount for refund in debit.refunds.all())
        try:
            refund = services.lead_credits_refund(
                workspace=workspace, debit=debit, amount=amount, description="r"
            )
        except DomainError:
            assert amount > refundable
            return
        assert (refund.amount if refund else 0) <= (refundable if amount is None else min(amount, refundable))
    elif kind == "wait":
        clock.shift(timedelta(days=args[0]))
    elif kind == "renew":
        end = selectors.subscription_for_workspace(workspace=workspace).current_period_end
        clock.move_to(max(end, timezone.now()))
        services.subscription_renew(workspace=workspace)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_random_credit_movements_keep_the_ledger_whole_and_the_draw_order(db, operations):
    with time_machine.travel(START, tick=False) as clock, transaction.atomic():
        workspace = WorkspaceFactory()
        debits = []
        for operation in operations:
            apply(workspace, operation, debits, clock)
            assert_ledger_adds_up(workspace)
        call_command("audit_quotas")
        transaction.set_rollback(True)
