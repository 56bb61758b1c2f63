"""Plans and periods: created with the workspace, upgrades now, downgrades at period end, monthly renewal."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User, Workspace
from billing import selectors, services, tasks
from billing.models import CreditGrant, CreditPack, LedgerEntry, Payment, Quota, Subscription
from billing.periods import add_months
from billing.services import subscriptions
from core.errors import Conflict, DomainError
from tests.billing.factories import CreditGrantFactory, debit_credits, ledger_kinds, take_slots
from tests.factories import WorkspaceFactory


def at(*args):
    return datetime(*args, tzinfo=UTC)


def subscription(workspace):
    return Subscription.objects.for_workspace(workspace).select_related("plan", "scheduled_plan").get()


def payments(workspace):
    return list(
        Payment.objects.for_workspace(workspace).order_by("id").values_list("purpose", "amount_cents")
    )


def monthly_grant(workspace):
    return CreditGrant.objects.for_workspace(workspace).filter(source=CreditGrant.Source.MONTHLY).latest("id")


def limit(workspace):
    return Quota.objects.for_workspace(workspace).get().active_leads_limit


@pytest.fixture
def clock():
    with time_machine.travel(at(2027, 1, 31, 10, 0), tick=False) as traveller:
        yield traveller


def test_a_new_workspace_gets_a_trial_subscription_and_its_first_monthly_credits(db, clock):
    workspace = WorkspaceFactory()

    sub = subscription(workspace)
    assert (sub.plan.code, sub.status, sub.scheduled_plan) == ("trial", "active", None)
    assert (sub.current_period_start, sub.current_period_end) == (at(2027, 1, 31, 10), at(2027, 2, 28, 10))
    assert monthly_grant(workspace).expires_at == sub.current_period_end
    assert ledger_kinds(workspace) == [("grant", 100)]
    assert payments(workspace) == []


def test_a_workspace_created_on_a_paid_plan_pays_through_the_manual_provider(db, clock):
    workspace = WorkspaceFactory(plan_code="growth")

    payment = Payment.objects.for_workspace(workspace).get()
    assert (payment.purpose, payment.amount_cents, payment.provider) == ("plan", 4_900, "manual")
    assert limit(workspace) == 1_200


def test_an_unknown_plan_creates_no_workspace(db):
    with pytest.raises(DomainError, match="no plan 'gold'"):
        WorkspaceFactory(plan_code="gold")
    assert not Workspace.objects.exists()
    assert not Subscription.objects.unscoped().exists()


@pytest.mark.parametrize(
    ("created", "ends"),
    [
        (
            at(2027, 1, 31, 10),
            [at(2027, 2, 28, 10), at(2027, 3, 31, 10), at(2027, 4, 30, 10), at(2027, 5, 31, 10)],
        ),
        (at(2028, 1, 31, 10), [at(2028, 2, 29, 10), at(2028, 3, 31, 10)]),
        (at(2027, 12, 15, 8), [at(2028, 1, 15, 8), at(2028, 2, 15, 8)]),
    ],
    ids=["31st through February 2027", "leap February", "across the new year"],
)
def test_renewal_keeps_the_day_of_the_month_across_short_months(db, created, ends):
    with time_machine.travel(created, tick=False) as clock:
        workspace = WorkspaceFactory()
        for end, next_end in pairwise(ends):
            assert subscription(workspace).current_period_end == end
            clock.move_to(end)
            assert services.subscription_renew(workspace=workspace) is True
            assert (
                subscription(workspace).current_period_start,
                subscription(workspace).current_period_end,
            ) == (
                end,
                next_end,
            )
            assert monthly_grant(workspace).expires_at == next_end


def test_renewing_twice_for_the_same_period_changes_nothing(db, clock):
    workspace = WorkspaceFactory(plan_code="growth")
    clock.move_to(at(2027, 2, 28, 10, 5))
    assert services.subscriptions_renew_due() == 1
    state = (ledger_kinds(workspace), payments(workspace), subscription(workspace).current_period_end)

    assert services.subscriptions_renew_due() == 0
    assert services.subscription_renew(workspace=workspace) is False

    assert (ledger_kinds(workspace), payments(workspace), subscription(workspace).current_period_end) == state


def test_renewal_expires_the_rest_of_the_monthly_grant_charges_the_period_and_grants_anew(db, clock):
    workspace = WorkspaceFactory(plan_code="growth")
    services.credit_pack_purchase(workspace=workspace, pack_code="credits_1000")
    debit_credits(workspace, 200)
    clock.move_to(at(2027, 2, 28, 10))

    services.subscription_renew(workspace=workspace)

    assert ledger_kinds(workspace)[-2:] == [("expiry", -1_000), ("grant", 1_200)]
    assert payments(workspace) == [("plan", 4_900), ("credit_pack", 4_900), ("plan", 4_900)]
    assert selectors.lead_credits_balance(workspace=workspace) == 1_200 + 1_000


def test_the_first_change_after_a_period_ends_renews_it_without_waiting_for_the_task(db, clock):
    workspace = WorkspaceFactory(plan_code="growth")
    services.subscription_change_plan(workspace=workspace, plan_code="trial")
    clock.move_to(at(2027, 2, 28, 10, 1))

    debit_credits(workspace, 100)

    assert ledger_kinds(workspace) == [("grant", 1_200), ("expiry", -1_200), ("grant", 100), ("debit", -100)]
    assert subscription(workspace).plan.code == "trial"
    assert services.subscriptions_renew_due() == 0


def test_a_downgrade_waits_for_the_end_of_the_period_and_applies_at_renewal(db, clock):
    workspace = WorkspaceFactory(plan_code="growth")
    take_slots(workspace, 1_000)

    services.subscription_change_plan(workspace=workspace, plan_code="trial")

    sub = subscription(workspace)
    assert (sub.plan.code, sub.scheduled_plan.code) == ("growth", "trial")
    assert limit(workspace) == 1_200
    clock.move_to(at(2027, 2, 28, 10))
    services.subscription_renew(workspace=workspace)
    sub = subscription(workspace)
    assert (sub.plan.code, sub.scheduled_plan) == ("trial", None)
    assert limit(workspace) == 250
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == 1_000
    assert monthly_grant(workspace).amount == 100
    assert payments(workspace) == [("plan", 4_900)]


def test_choosing_the_current_plan_cancels_a_scheduled_downgrade(db, clock):
    workspace = WorkspaceFactory(plan_code="hypergrowth")
    services.subscription_change_plan(workspace=workspace, plan_code="growth")

    services.subscription_change_plan(workspace=workspace, plan_code="hypergrowth")

    assert subscription(workspace).scheduled_plan is None


def test_an_upgrade_applies_at_once_and_starts_a_new_period(db, clock):
    workspace = WorkspaceFactory()
    debit_credits(workspace, 30)
    services.subscription_change_plan(workspace=workspace, plan_code="hypergrowth")
    clock.move_to(at(2027, 2, 10, 12))

    services.subscription_change_plan(workspace=workspace, plan_code="lightspeed")

    sub = subscription(workspace)
    assert (sub.plan.code, sub.current_period_start, sub.current_period_end) == (
        "lightspeed",
        at(2027, 2, 10, 12),
        at(2027, 3, 10, 12),
    )
    assert ledger_kinds(workspace) == [
        ("grant", 100),
        ("debit", -30),
        ("expiry", -70),
        ("grant", 5_000),
        ("expiry", -5_000),
        ("grant", 20_000),
    ]
    assert monthly_grant(workspace).expires_at == at(2027, 3, 10, 12)
    assert limit(workspace) == 100_000
    assert payments(workspace) == [("plan", 19_900), ("plan", 59_900)]


def test_an_upgrade_clears_a_scheduled_downgrade(db, clock):
    workspace = WorkspaceFactory(plan_code="hypergrowth")
    services.subscription_change_plan(workspace=workspace, plan_code="growth")

    services.subscription_change_plan(workspace=workspace, plan_code="lightspeed")

    assert (subscription(workspace).plan.code, subscription(workspace).scheduled_plan) == ("lightspeed", None)


def test_set_plan_changes_the_plan_now_even_downwards(db, clock):
    workspace = WorkspaceFactory(plan_code="growth")
    clock.move_to(at(2027, 2, 3, 9))

    services.subscription_set_plan(workspace=workspace, plan_code="trial")

    sub = subscription(workspace)
    assert (sub.plan.code, sub.current_period_start, sub.current_period_end) == (
        "trial",
        at(2027, 2, 3, 9),
        at(2027, 3, 3, 9),
    )
    assert ledger_kinds(workspace) == [("grant", 1_200), ("expiry", -1_200), ("grant", 100)]
    with pytest.raises(DomainError, match="already on the Trial plan"):
        services.subscription_set_plan(workspace=workspace, plan_code="trial")


def test_periods_nobody_renewed_are_skipped_not_billed(db, clock):
    workspace = WorkspaceFactory(plan_code="growth")
    clock.move_to(at(2027, 5, 15))

    services.subscriptions_renew_due()

    sub = subscription(workspace)
    assert (sub.current_period_start, sub.current_period_end) == (at(2027, 4, 30, 10), at(2027, 5, 31, 10))
    assert payments(workspace) == [("plan", 4_900), ("plan", 4_900)]
    assert ledger_kinds(workspace) == [("grant", 1_200), ("expiry", -1_200), ("grant", 1_200)]


def test_renewal_charges_the_plan_and_its_addons(db, clock):
    workspace = WorkspaceFactory(plan_code="hypergrowth")
    services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=2)
    services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=3)
    clock.move_to(at(2027, 2, 28, 10))

    services.subscription_renew(workspace=workspace)

    assert payments(workspace) == [("plan", 19_900), ("addon", 19_800), ("addon", 9_900), ("plan", 49_600)]
    assert limit(workspace) == 100_000


def test_the_renewal_task_runs_every_15_minutes_and_writes_due_expiries(db, clock):
    workspace = WorkspaceFactory()
    CreditGrantFactory(workspace=workspace, amount=10, expires_at=at(2027, 2, 1))
    schedule = settings.CELERY_BEAT_SCHEDULE["billing-renew-subscriptions"]
    assert (schedule["task"], schedule["schedule"]) == ("billing.tasks.renew_subscriptions", 900)
    clock.move_to(at(2027, 2, 2))

    assert tasks.renew_subscriptions.apply().get() == 0

    assert ledger_kinds(workspace)[-1] == ("expiry", -10)


def test_one_failing_renewal_does_not_stop_the_others(db, clock, monkeypatch, caplog):
    first, second = WorkspaceFactory(), WorkspaceFactory()
    renew = services.subscription_renew

    def renew_all_but_the_first(*, workspace):
        if workspace == first:
            raise RuntimeError("processor down")
        return renew(workspace=workspace)

    monkeypatch.setattr(subscriptions, "subscription_renew", renew_all_but_the_first)
    clock.move_to(at(2027, 3, 1))

    assert services.subscriptions_renew_due() == 1
    assert subscription(second).current_period_end == at(2027, 3, 31, 10)
    assert f"workspace {first.pk} failed" in caplog.text


def test_months_keep_their_anchor_day():
    assert add_months(at(2027, 1, 31, 10), 1, anchor_day=31) == at(2027, 2, 28, 10)
    assert add_months(at(2027, 2, 28, 10), 1, anchor_day=31) == at(2027, 3, 31, 10)
    assert add_months(at(2027, 11, 30), 3, anchor_day=30) == at(2028, 2, 29)
    assert add_months(at(2027, 12, 31), 1, anchor_day=31) == at(2028, 1, 31)


def test_create_workspace_takes_a_plan(db, capsys):
    call_command("create_workspace", "Acme", owner="boss@acme.io", plan="hypergrowth")

    workspace = Workspace.objects.get(slug=capsys.readouterr().out.strip().splitlines()[-1])
    assert subscription(workspace).plan.code == "hypergrowth"


def test_create_workspace_with_an_unknown_plan_is_a_clear_error_and_creates_nothing(db):
    with pytest.raises(
        CommandError, match=r"no plan 'gold' \(plans: trial, growth, hypergrowth, lightspeed\)"
    ):
        call_command("create_workspace", "Acme", owner="boss@acme.io", plan="gold")

    assert not Workspace.objects.exists()
    assert not User.objects.exists()
    assert not LedgerEntry.objects.unscoped().exists()


def test_renewal_after_expiry_of_an_admin_grant_keeps_the_ledger_consistent(db, clock):
    workspace = WorkspaceFactory()
    CreditGrantFactory(workspace=workspace, amount=10, expires_at=at(2027, 2, 28, 10) + timedelta(days=1))
    clock.move_to(at(2027, 3, 2))

    services.subscription_renew(workspace=workspace)

    assert ledger_kinds(workspace) == [
        ("grant", 100),
        ("adjustment", 10),
        ("expiry", -100),
        ("expiry", -10),
        ("grant", 100),
    ]
    assert LedgerEntry.objects.for_workspace(workspace).latest("id").balance_after == 100


def test_a_free_credit_pack_grants_its_credits_without_a_payment(db):
    workspace = WorkspaceFactory(plan_code="growth")
    CreditPack.objects.create(code="promo_100", name="Promotion", credits=100, price_cents=0)
    paid_before = payments(workspace)
    balance_before = selectors.lead_credits_balance(workspace=workspace)

    grant = services.credit_pack_purchase(workspace=workspace, pack_code="promo_100")

    assert grant.amount == 100
    assert selectors.lead_credits_balance(workspace=workspace) == balance_before + 100
    assert payments(workspace) == paid_before


def test_a_free_credit_pack_is_claimed_once_per_workspace_and_a_second_time_is_a_clear_409(db):
    workspace, other = WorkspaceFactory(plan_code="growth"), WorkspaceFactory(plan_code="growth")
    CreditPack.objects.create(code="promo_100", name="Promotion", credits=100, price_cents=0)
    services.credit_pack_purchase(workspace=workspace, pack_code="promo_100")
    balance = selectors.lead_credits_balance(workspace=workspace)

    with pytest.raises(Conflict) as refusal:
        services.credit_pack_purchase(workspace=workspace, pack_code="promo_100")

    assert refusal.value.message == "Promotion is free once per workspace, and this workspace has had it."
    assert refusal.value.details == {"pack": ["'promo_100' was claimed already."]}
    assert selectors.lead_credits_balance(workspace=workspace) == balance
    assert services.credit_pack_purchase(workspace=other, pack_code="promo_100").amount == 100
