"""Operator commands: set_plan, grant_credits, audit_quotas, renew_subscriptions."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command

from billing import quota_sources, selectors
from billing.models import CreditGrant, LedgerEntry, Quota
from tests.billing.factories import debit_credits, ledger_kinds, take_slots


def output(capsys):
    return capsys.readouterr().out


@pytest.fixture
def active_leads_counter(monkeypatch):
    """Stands in for the campaigns app's counter: what the enrollments would say."""
    counts = {}
    monkeypatch.setattr(quota_sources, "_active_leads_counter", None)
    quota_sources.register_active_leads_counter(
        lambda workspace, *, release_finished: counts.get(workspace.pk, 0)
    )
    return counts


def test_set_plan_changes_the_plan_now_and_starts_a_period(workspace, capsys):
    call_command("set_plan", workspace.slug, "lightspeed")

    subscription = selectors.subscription_for_workspace(workspace=workspace)
    assert subscription.plan.code == "lightspeed"
    assert ledger_kinds(workspace) == [("grant", 100), ("expiry", -100), ("grant", 20_000)]
    assert f"{workspace.slug} is on the Lightspeed plan" in output(capsys)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "growth"], "No workspace with slug 'nope'"),
        (["{slug}", "gold"], "There is no plan 'gold'"),
        (["{slug}", "trial"], "already on the Trial plan"),
    ],
)
def test_set_plan_explains_what_it_cannot_do(workspace, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("set_plan", *[arg.format(slug=workspace.slug) for arg in args])


def test_grant_credits_adds_an_adjustment_grant_with_its_ledger_entry(workspace, capsys):
    call_command("grant_credits", workspace.slug, "250", reason="Sorry for the outage")

    grant = CreditGrant.objects.for_workspace(workspace).get(source=CreditGrant.Source.ADJUSTMENT)
    entry = LedgerEntry.objects.for_workspace(workspace).latest("id")
    assert (grant.amount, grant.expires_at) == (250, None)
    assert (entry.kind, entry.amount, entry.description) == (
        "adjustment",
        250,
        "Operator grant: Sorry for the outage",
    )
    assert "Granted 250 lead credits" in output(capsys)


def test_grant_credits_can_expire(workspace):
    with time_machine.travel(datetime(2027, 6, 1, tzinfo=UTC), tick=False):
        call_command("grant_credits", workspace.slug, "40", reason="Promo", expires_at="2027-06-30")
        call_command(
            "grant_credits", workspace.slug, "2", reason="Promo", expires_at="2027-06-30T12:00:00+02:00"
        )

    expiries = CreditGrant.objects.for_workspace(workspace).filter(source=CreditGrant.Source.ADJUSTMENT)
    assert sorted(expiries.values_list("expires_at", flat=True)) == [
        datetime(2027, 6, 30, tzinfo=UTC),
        datetime(2027, 6, 30, 10, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["{slug}", "0"], {"reason": "x"}, "at least 1"),
        (["{slug}", "5"], {"reason": " "}, "must say why"),
        (["{slug}", "5"], {"reason": "x", "expires_at": "next week"}, "not an ISO date"),
        (["{slug}", "5"], {"reason": "x", "expires_at": "2027-02-30"}, "not an ISO date"),
        (["{slug}", "5"], {"reason": "x", "expires_at": "2001-01-01"}, "cannot expire in the past"),
        (["nope", "5"], {"reason": "x"}, "No workspace"),
    ],
)
def test_grant_credits_refuses_bad_input_and_grants_nothing(workspace, args, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("grant_credits", *[arg.format(slug=workspace.slug) for arg in args], **options)
    assert ledger_kinds(workspace) == [("grant", 100)]


def test_audit_of_consistent_quotas_exits_0_and_says_when_no_counter_is_registered(
    workspace, other_workspace, capsys, monkeypatch
):
    monkeypatch.setattr(quota_sources, "_active_leads_counter", None)
    debit_credits(workspace, 10)

    call_command("audit_quotas")

    out = output(capsys)
    assert "no active-leads counter is registered" in out
    assert "2 workspaces audited, no differences" in out


def test_audit_finds_a_corrupted_counter_exits_1_and_fix_repairs_it(workspace, active_leads_counter, capsys):
    take_slots(workspace, 12)
    active_leads_counter[workspace.pk] = 12
    # No service writes a wrong counter; only a bug or a hand edit does, so the test edits the row.
    Quota.objects.for_workspace(workspace).update(active_leads_used=40, active_leads_limit=9)

    with pytest.raises(CommandError) as failure:
        call_command("audit_quotas")
    assert failure.value.returncode == 1
    assert str(failure.value).startswith("1 workspace audited, 2 differences found;")
    out = output(capsys)
    assert f"{workspace.slug}: active_leads_used is 40; enrollments count 12" in out
    assert f"{workspace.slug}: active_leads_limit is 9; plan and add-ons give 250" in out
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == 40

    with pytest.raises(CommandError, match="repaired"):
        call_command("audit_quotas", fix=True)
    quota = Quota.objects.for_workspace(workspace).get()
    assert (quota.active_leads_used, quota.active_leads_limit) == (12, 250)

    call_command("audit_quotas")
    assert "no differences" in output(capsys)


def test_audit_recomputes_grants_from_their_movements_and_checks_the_balance(workspace, capsys):
    debit_credits(workspace, 30)
    CreditGrant.objects.for_workspace(workspace).update(remaining=90)  # a hand edit: no service does this

    with pytest.raises(CommandError):
        call_command("audit_quotas", fix=True)

    out = output(capsys)
    assert "has 90 remaining; its movements add up to 70" in out
    assert selectors.lead_credits_balance(workspace=workspace) == 70
    call_command("audit_quotas")


def test_renew_subscriptions_command_renews_what_is_due(workspace, capsys):
    end = selectors.subscription_for_workspace(workspace=workspace).current_period_end
    with time_machine.travel(end, tick=False):
        call_command("renew_subscriptions")
        call_command("renew_subscriptions")

    assert output(capsys).splitlines() == ["Renewed 1 subscription.", "Renewed 0 subscriptions."]


def test_grant_credits_refuses_more_than_one_grant_may_hold(workspace):
    balance = selectors.lead_credits_balance(workspace=workspace)

    with pytest.raises(CommandError, match=r"At most 10,000,000 credits in one grant\."):
        call_command("grant_credits", workspace.slug, "5000000000", reason="typo")

    assert selectors.lead_credits_balance(workspace=workspace) == balance
