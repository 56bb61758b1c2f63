"""Rules 5, 6 and 9: lead credits live in grants, move through an append-only ledger."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from accounts.models import Workspace
from billing import selectors, services
from billing.errors import InsufficientLeadCredits
from billing.models import CreditGrant, CreditMovement, LedgerEntry, LedgerIsAppendOnly
from core.errors import Conflict, DomainError
from tests.billing.factories import CreditGrantFactory, debit_credits, draws_of, ledger_kinds, ledger_sum
from tests.factories import WorkspaceFactory

START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def balance(workspace):
    return selectors.lead_credits_balance(workspace=workspace)


def debits(workspace):
    return list(
        LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.DEBIT).order_by("id")
    )


def call_audit_quotas():
    """``manage.py audit_quotas``'s exit status (it prints what differs)."""
    try:
        call_command("audit_quotas")
    except CommandError as failure:
        return failure.returncode
    return 0


def grants(workspace):
    return CreditGrant.objects.for_workspace(workspace).order_by("id")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _balance_is_the_sum_of_the_ledger_after_every_test(db, clock):
    yield
    for workspace in Workspace.objects.order_by("pk"):
        assert ledger_sum(workspace) == balance(workspace)
        assert services.quota_audit(workspace=workspace) == []


@pytest.fixture
def trial_workspace(db, clock):
    """A trial workspace created at START: 100 monthly credits expiring at 2027-04-10 09:00."""
    return WorkspaceFactory()


# Rule 5


def test_balance_is_the_remaining_of_unexpired_grants(trial_workspace, clock):
    CreditGrantFactory(workspace=trial_workspace, amount=40, expires_at=START + timedelta(days=2))
    CreditGrantFactory(workspace=trial_workspace, amount=500)
    assert balance(trial_workspace) == 640

    clock.move_to(START + timedelta(days=3))

    # The 40 expired with nothing changed since: the first read writes their expiry entry.
    assert balance(trial_workspace) == 600
    assert ledger_sum(trial_workspace) == 600
    assert ledger_kinds(trial_workspace)[-1] == ("expiry", -40)


def test_the_ledger_read_first_after_an_expiry_already_has_its_entry(trial_workspace, clock):
    CreditGrantFactory(workspace=trial_workspace, amount=40, expires_at=START + timedelta(days=2))
    clock.move_to(START + timedelta(days=3))

    assert ledger_sum(trial_workspace) == 100
    assert balance(trial_workspace) == 100
    assert call_audit_quotas() == 0


def test_a_read_after_the_period_ended_renews_it_before_showing_the_balance(trial_workspace, clock):
    debit_credits(trial_workspace, 30)
    assert ledger_sum(trial_workspace) == balance(trial_workspace) == 70
    clock.move_to(datetime(2027, 4, 10, 9, 0, 1, tzinfo=UTC))

    assert balance(trial_workspace) == 100
    assert ledger_sum(trial_workspace) == 100
    assert ledger_kinds(trial_workspace)[-2:] == [("expiry", -70), ("grant", 100)]


def test_a_debit_draws_the_grant_that_expires_soonest_first_and_never_expiring_last(trial_workspace):
    pack = CreditGrantFactory(workspace=trial_workspace, amount=1_000, source=CreditGrant.Source.PACK)
    late = CreditGrantFactory(workspace=trial_workspace, amount=50, expires_at=START + timedelta(days=60))
    soon = CreditGrantFactory(workspace=trial_workspace, amount=30, expires_at=START + timedelta(days=5))
    monthly = grants(trial_workspace).get(source=CreditGrant.Source.MONTHLY)

    entry = debit_credits(trial_workspace, 200)

    assert draws_of(entry) == [(soon.pk, -30), (monthly.pk, -100), (late.pk, -50), (pack.pk, -20)]
    assert grants(trial_workspace).get(pk=pack.pk).remaining == 980


def test_monthly_credits_expire_at_period_end_and_packs_never(trial_workspace, clock):
    services.credit_pack_purchase(workspace=trial_workspace, pack_code="credits_1000")
    debit_credits(trial_workspace, 30)

    clock.move_to(datetime(2027, 4, 10, 9, 0, 1, tzinfo=UTC))
    services.subscription_renew(workspace=trial_workspace)

    assert ledger_kinds(trial_workspace)[-2:] == [("expiry", -70), ("grant", 100)]
    assert balance(trial_workspace) == 1_100
    clock.move_to(datetime(2037, 1, 1, tzinfo=UTC))
    # Reading renews the period first: this period's 100 monthly credits and the untouched pack.
    assert balance(trial_workspace) == 1_100
    assert grants(trial_workspace).get(source=CreditGrant.Source.PACK).remaining == 1_000
    assert ledger_kinds(trial_workspace)[-2:] == [("expiry", -100), ("grant", 100)]


def test_a_grant_cannot_expire_in_the_past(trial_workspace):
    with pytest.raises(DomainError, match="past"):
        CreditGrantFactory(workspace=trial_workspace, amount=5, expires_at=START)


# Rule 9


def test_insufficient_credits_fail_the_whole_request_naming_needed_and_balance(trial_workspace):
    entries_before = ledger_kinds(trial_workspace)

    with pytest.raises(InsufficientLeadCredits) as refusal:
        debit_credits(trial_workspace, 150)

    assert refusal.value.status_code == 402
    assert refusal.value.code == "insufficient_lead_credits"
    assert refusal.value.details == {"needed": 150, "balance": 100}
    assert ledger_kinds(trial_workspace) == entries_before
    assert balance(trial_workspace) == 100


def test_allow_partial_takes_as_many_as_the_balance_pays_for(trial_workspace):
    entry = debit_credits(trial_workspace, 150, allow_partial=True)

    assert entry.amount == -100
    assert balance(trial_workspace) == 0
    assert debit_credits(trial_workspace, 10, allow_partial=True) is None


def test_a_debit_reference_is_recorded_once(trial_workspace):
    debit_credits(trial_workspace, 1, reference="download:7")

    with pytest.raises(Conflict):
        debit_credits(trial_workspace, 1, reference="download:7")
    assert balance(trial_workspace) == 99


# Refunds


def test_a_refund_gives_credits_back_to_the_grants_they_came_from_last_drawn_first(trial_workspace):
    pack = CreditGrantFactory(workspace=trial_workspace, amount=1_000, source=CreditGrant.Source.PACK)
    monthly = grants(trial_workspace).get(source=CreditGrant.Source.MONTHLY)
    debit = debit_credits(trial_workspace, 150)

    first = services.lead_credits_refund(workspace=trial_workspace, debit=debit, amount=60, description="x")
    second = services.lead_credits_refund(workspace=trial_workspace, debit=debit, description="rest")

    assert draws_of(first) == [(pack.pk, 50), (monthly.pk, 10)]
    assert draws_of(second) == [(monthly.pk, 90)]
    assert grants(trial_workspace).get(pk=pack.pk).remaining == 1_000
    assert grants(trial_workspace).get(pk=monthly.pk).remaining == 100
    with pytest.raises(DomainError, match="Only 0 credits"):
        services.lead_credits_refund(workspace=trial_workspace, debit=debit, amount=1, description="again")


def test_a_refund_does_not_revive_credits_whose_grant_has_expired(trial_workspace, clock):
    promo = CreditGrantFactory(workspace=trial_workspace, amount=50, expires_at=START + timedelta(days=2))
    monthly = grants(trial_workspace).get(source=CreditGrant.Source.MONTHLY)
    debit = debit_credits(trial_workspace, 60)
    clock.move_to(START + timedelta(days=3))

    refund = services.lead_credits_refund(
        workspace=trial_workspace, debit=debit, description="download failed"
    )

    assert draws_of(debit) == [(promo.pk, -50), (monthly.pk, -10)]
    assert draws_of(refund) == [(monthly.pk, 10)]
    assert ledger_sum(trial_workspace) == balance(trial_workspace) == 100


def test_only_a_debit_of_the_same_workspace_can_be_refunded(trial_workspace):
    other = WorkspaceFactory()
    debit = debit_credits(other, 5)

    with pytest.raises(DomainError, match="Only a debit of this workspace"):
        services.lead_credits_refund(workspace=trial_workspace, debit=debit, description="x")


# Rule 6


def test_balance_equals_the_sum_of_the_ledger_and_balance_after_runs_with_it(trial_workspace, clock):
    steps = [
        lambda: CreditGrantFactory(
            workspace=trial_workspace, amount=25, expires_at=START + timedelta(days=1)
        ),
        lambda: services.credit_pack_purchase(workspace=trial_workspace, pack_code="credits_5000"),
        lambda: debit_credits(trial_workspace, 300),
        lambda: services.lead_credits_refund(
            workspace=trial_workspace, debit=debits(trial_workspace)[-1], amount=100, description="x"
        ),
        lambda: CreditGrantFactory(
            workspace=trial_workspace, amount=10, expires_at=START + timedelta(days=1)
        ),
        lambda: clock.move_to(START + timedelta(days=2)),
        lambda: debit_credits(trial_workspace, 1),
    ]
    for step in steps:
        step()
        assert ledger_sum(trial_workspace) == balance(trial_workspace)
        assert call_audit_quotas() == 0

    entries = list(LedgerEntry.objects.for_workspace(trial_workspace).order_by("id"))
    running = 0
    for entry in entries:
        running += entry.amount
        assert entry.balance_after == running
    assert running == balance(trial_workspace) == 100 + 25 + 5_000 - 300 + 100 + 10 - 10 - 1


def test_the_ledger_is_append_only(trial_workspace):
    entry = LedgerEntry.objects.for_workspace(trial_workspace).get()
    movements = CreditMovement.objects.for_workspace(trial_workspace)

    entry.description = "rewritten"
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.for_workspace(trial_workspace).update(amount=1_000)
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.all_workspaces.all().delete()
    with pytest.raises(LedgerIsAppendOnly):
        movements.update(amount=1)
    with pytest.raises(LedgerIsAppendOnly):
        movements.first().delete()
    assert LedgerEntry.objects.for_workspace(trial_workspace).get().description != "rewritten"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_ledgerentry SET amount = 1000 WHERE workspace_id = %s",
        "DELETE FROM billing_ledgerentry WHERE workspace_id = %s",
        "UPDATE billing_creditmovement SET amount = 1000 WHERE workspace_id = %s",
    ],
    ids=["update entry", "delete entry", "update movement"],
)
def test_postgresql_refuses_raw_sql_that_changes_the_ledger(trial_workspace, statement):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [trial_workspace.pk])
    assert LedgerEntry.objects.for_workspace(trial_workspace).get().amount == 100


def test_the_database_keeps_every_remaining_between_zero_and_the_amount(trial_workspace):
    monthly = grants(trial_workspace)
    with pytest.raises(IntegrityError), transaction.atomic():
        monthly.update(remaining=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        monthly.update(remaining=101)
    assert monthly.get().remaining == 100


def test_the_database_refuses_a_second_expiry_of_the_same_grant(trial_workspace):
    grant = grants(trial_workspace).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        for _ in range(2):
            LedgerEntry.objects.create(
                workspace=trial_workspace,
                kind=LedgerEntry.Kind.EXPIRY,
                amount=-1,
                balance_after=99,
                description="expired",
                reference=f"grant:{grant.pk}",
            )


def test_expiry_entries_are_written_before_any_other_change(trial_workspace, clock):
    CreditGrantFactory(workspace=trial_workspace, amount=10, expires_at=START + timedelta(hours=1))
    clock.move_to(START + timedelta(hours=2))

    debit_credits(trial_workspace, 5)

    assert ledger_kinds(trial_workspace) == [
        ("grant", 100),
        ("adjustment", 10),
        ("expiry", -10),
        ("debit", -5),
    ]


def test_the_refusal_for_want_of_one_credit_says_one_credit():
    refusal = InsufficientLeadCredits(needed=1, balance=0)
    assert refusal.message == "This needs 1 lead credit and the balance is 0."
    assert InsufficientLeadCredits(needed=1200, balance=3).message == (
        "This needs 1,200 lead credits and the balance is 3."
    )
