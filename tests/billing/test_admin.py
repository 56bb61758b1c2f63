"""The admin edits plans; credits move only through the services, the ledger is read-only."""

from billing.models import CreditGrant, LedgerEntry, Plan, Quota, Subscription


def test_the_grant_credits_action_goes_through_the_service(
    admin_client, admin_user, workspace, other_workspace
):
    subscriptions = Subscription.objects.unscoped().filter(workspace__in=[workspace, other_workspace])

    response = admin_client.post(
        "/admin/billing/subscription/",
        {
            "action": "grant_credits",
            "index": 0,
            "_selected_action": [s.pk for s in subscriptions],
            "amount": 75,
            "reason": "Migration bonus",
        },
        follow=True,
    )

    assert "Granted 75 credits to 2 workspaces." in response.content.decode()
    for ws in (workspace, other_workspace):
        entry = LedgerEntry.objects.for_workspace(ws).latest("id")
        assert (entry.kind, entry.amount, entry.balance_after, entry.actor) == (
            "adjustment",
            75,
            175,
            admin_user,
        )
        assert (
            CreditGrant.objects.for_workspace(ws).filter(source=CreditGrant.Source.ADJUSTMENT).get().remaining
            == 75
        )


def test_the_grant_credits_action_needs_an_amount_and_a_reason(admin_client, workspace):
    subscription = Subscription.objects.for_workspace(workspace).get()

    response = admin_client.post(
        "/admin/billing/subscription/",
        {"action": "grant_credits", "index": 0, "_selected_action": [subscription.pk], "amount": 75},
        follow=True,
    )

    assert "Give an amount (at least 1) and a reason." in response.content.decode()
    assert LedgerEntry.objects.for_workspace(workspace).count() == 1


def test_the_ledger_can_be_read_but_not_changed_in_the_admin(admin_client, workspace):
    entry = LedgerEntry.objects.for_workspace(workspace).get()

    assert admin_client.get("/admin/billing/ledgerentry/").status_code == 200
    assert admin_client.get(f"/admin/billing/ledgerentry/{entry.pk}/change/").status_code == 200
    assert (
        admin_client.post(f"/admin/billing/ledgerentry/{entry.pk}/change/", {"amount": 5}).status_code == 403
    )
    assert (
        admin_client.post(f"/admin/billing/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert admin_client.get("/admin/billing/ledgerentry/add/").status_code == 403


def test_editing_a_plan_limit_in_the_admin_updates_the_quotas_on_it(admin_client, workspace):
    trial = Plan.objects.get(code="trial")

    response = admin_client.post(
        f"/admin/billing/plan/{trial.pk}/change/",
        {
            "code": "trial",
            "name": "Trial",
            "active_leads_limit": 300,
            "monthly_lead_credits": 100,
            "price_cents": 0,
        },
    )

    assert response.status_code == 302
    assert Quota.objects.for_workspace(workspace).get().active_leads_limit == 300
