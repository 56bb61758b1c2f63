"""``/api/v1/usage``, ``/workspace`` and ``/billing/*`` (API.md)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from billing import selectors, services
from billing.models import CreditGrant, LedgerEntry, Payment
from tests.billing.factories import debit_credits, take_slots
from tests.conftest import api_client_for
from tests.unchanged import nothing_changes

LEDGER, USAGE = "/api/v1/billing/ledger", "/api/v1/usage"


def error_of(response):
    return response.json()["error"]


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def period_end(workspace):
    return iso(selectors.subscription_for_workspace(workspace=workspace).current_period_end)


def grants_of(workspace):
    return CreditGrant.objects.for_workspace(workspace)


def test_usage_reports_active_leads_and_lead_credits(api_client, workspace):
    take_slots(workspace, 40)
    services.credit_pack_purchase(workspace=workspace, pack_code="credits_1000")
    debit_credits(workspace, 30)

    response = api_client.get("/api/v1/usage")

    assert response.status_code == 200
    assert response.json() == {
        "active_leads": {"limit": 250, "used": 40, "available": 210},
        "lead_credits": {
            "balance": 1_070,
            "monthly_allowance": 100,
            "expiring_at_period_end": 70,
            "period_end": period_end(workspace),
        },
    }


def test_usage_available_is_never_negative_after_a_downgrade(api_client, workspace):
    services.subscription_set_plan(workspace=workspace, plan_code="growth")
    take_slots(workspace, 1_000)
    services.subscription_set_plan(workspace=workspace, plan_code="trial")

    assert api_client.get("/api/v1/usage").json()["active_leads"] == {
        "limit": 250,
        "used": 1_000,
        "available": 0,
    }


def test_workspace_shows_its_plan_and_usage(member_api_client, workspace):
    body = member_api_client.get("/api/v1/workspace").json()

    assert body["id"] == workspace.pk
    assert (body["name"], body["slug"]) == (workspace.name, workspace.slug)
    assert body["plan"] == {"code": "trial", "name": "Trial"}
    assert body["usage"] == member_api_client.get("/api/v1/usage").json()


def test_admins_rename_the_workspace_and_members_cannot(member_api_client, workspace):
    admin_client = api_client_for(workspace, role=Role.ADMIN)

    renamed = admin_client.patch("/api/v1/workspace", {"name": "Acme Growth"}, format="json")
    refused = member_api_client.patch("/api/v1/workspace", {"name": "Mine now"}, format="json")

    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Acme Growth"
    assert renamed.json()["plan"]["code"] == "trial"
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "permission_denied"


def test_plans_list_every_plan_with_its_limits_and_price(member_api_client):
    body = member_api_client.get("/api/v1/billing/plans").json()

    assert [plan["code"] for plan in body] == ["trial", "growth", "hypergrowth", "lightspeed"]
    assert body[2] == {
        "code": "hypergrowth",
        "name": "Hypergrowth",
        "active_leads_limit": 25_000,
        "monthly_lead_credits": 5_000,
        "price_cents": 19_900,
    }


def test_subscription_shows_plan_status_period_and_scheduled_plan(member_api_client, workspace):
    subscription = selectors.subscription_for_workspace(workspace=workspace)

    assert member_api_client.get("/api/v1/billing/subscription").json() == {
        "plan": "trial",
        "status": "active",
        "current_period_start": iso(subscription.current_period_start),
        "current_period_end": iso(subscription.current_period_end),
        "scheduled_plan": None,
    }


def test_owner_upgrades_at_once_and_downgrades_at_period_end(api_client, workspace):
    upgraded = api_client.post("/api/v1/billing/subscription", {"plan": "hypergrowth"}, format="json")
    downgraded = api_client.post("/api/v1/billing/subscription", {"plan": "growth"}, format="json")

    assert upgraded.status_code == 200
    assert (upgraded.json()["plan"], upgraded.json()["scheduled_plan"]) == ("hypergrowth", None)
    assert (downgraded.json()["plan"], downgraded.json()["scheduled_plan"]) == ("hypergrowth", "growth")
    assert api_client.get("/api/v1/usage").json()["active_leads"]["limit"] == 25_000


def test_an_unknown_plan_is_a_400_naming_the_field(api_client):
    with nothing_changes():
        response = api_client.post("/api/v1/billing/subscription", {"plan": "gold"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert error_of(response)["details"] == {"plan": ["Unknown plan 'gold'."]}


def test_unknown_fields_are_refused(api_client, workspace):
    with nothing_changes():
        response = api_client.post(
            "/api/v1/billing/credit-packs", {"pack": "credits_1000", "free": True}, format="json"
        )

    assert response.status_code == 400
    assert error_of(response)["details"] == {"free": ["Unknown field."]}
    assert not grants_of(workspace).filter(source=CreditGrant.Source.PACK).exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/billing/subscription", {"plan": "lightspeed"}),
        ("/api/v1/billing/credit-packs", {"pack": "credits_5000"}),
        ("/api/v1/billing/addons", {"addon": "active_leads_25k", "quantity": 1}),
    ],
)
def test_only_owners_change_billing(member_api_client, workspace, path, body):
    admin_client = api_client_for(workspace, role=Role.ADMIN)

    with nothing_changes():
        for client in (member_api_client, admin_client):
            response = client.post(path, body, format="json")
            assert response.status_code == 403
            assert error_of(response)["code"] == "permission_denied"
    assert selectors.subscription_for_workspace(workspace=workspace).plan.code == "trial"
    assert not Payment.objects.for_workspace(workspace).exists()


def test_buying_a_credit_pack_grants_never_expiring_credits_with_a_ledger_entry(api_client, workspace, owner):
    response = api_client.post("/api/v1/billing/credit-packs", {"pack": "credits_5000"}, format="json")

    assert response.status_code == 201
    body = response.json()
    grant = grants_of(workspace).get(source=CreditGrant.Source.PACK)
    entry = LedgerEntry.objects.for_workspace(workspace).latest("id")
    assert body["pack"] == "credits_5000"
    assert (body["grant"]["id"], body["grant"]["remaining"], body["grant"]["expires_at"]) == (
        grant.pk,
        5_000,
        None,
    )
    assert (body["ledger_entry"]["id"], body["ledger_entry"]["kind"], body["ledger_entry"]["amount"]) == (
        entry.pk,
        "grant",
        5_000,
    )
    assert entry.actor == owner
    assert body["lead_credits_balance"] == 5_100
    payment = Payment.objects.for_workspace(workspace).get()
    assert (payment.amount_cents, payment.provider, payment.created_by) == (19_900, "manual", owner)


def test_an_unknown_pack_is_a_400_and_charges_nothing(api_client, workspace):
    with nothing_changes():
        response = api_client.post("/api/v1/billing/credit-packs", {"pack": "credits_1"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"] == {"pack": ["Unknown pack 'credits_1'."]}
    assert not Payment.objects.for_workspace(workspace).exists()


def test_credit_packs_on_sale_are_listed(member_api_client):
    assert member_api_client.get("/api/v1/billing/credit-packs").json() == [
        {"code": "credits_1000", "name": "1,000 lead credits", "credits": 1_000, "price_cents": 4_900},
        {"code": "credits_5000", "name": "5,000 lead credits", "credits": 5_000, "price_cents": 19_900},
    ]


def buy(client, pack, key):
    return client.post(
        "/api/v1/billing/credit-packs", {"pack": pack}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_retried_purchase_with_the_same_idempotency_key_grants_once_and_replays_the_answer(
    api_client, workspace
):
    first = buy(api_client, "credits_1000", "purchase-1")
    second = buy(api_client, "credits_1000", "purchase-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert grants_of(workspace).filter(source=CreditGrant.Source.PACK).count() == 1
    assert Payment.objects.for_workspace(workspace).count() == 1


def test_the_same_idempotency_key_with_another_body_is_422_and_buys_nothing(api_client, workspace):
    buy(api_client, "credits_1000", "purchase-2")

    response = buy(api_client, "credits_5000", "purchase-2")

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert list(
        grants_of(workspace).filter(source=CreditGrant.Source.PACK).values_list("amount", flat=True)
    ) == [1_000]


@pytest.mark.parametrize("first", ["/api/v1/billing/ledger", "/api/v1/usage"])
def test_after_a_grant_expires_the_ledger_and_usage_agree_whichever_is_read_first(
    member_api_client, workspace, first
):
    services.lead_credits_grant(
        workspace=workspace,
        amount=40,
        source=CreditGrant.Source.ADJUSTMENT,
        description="promotion",
        expires_at=timezone.now() + timedelta(hours=1),
    )

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        answers = {url: member_api_client.get(url).json() for url in (first, *{LEDGER, USAGE} - {first})}

    entries = answers[LEDGER]["results"]
    assert (entries[0]["kind"], entries[0]["amount"], entries[0]["balance_after"]) == ("expiry", -40, 100)
    assert sum(entry["amount"] for entry in entries) == answers[USAGE]["lead_credits"]["balance"] == 100


def test_the_ledger_lists_movements_newest_first_a_page_at_a_time(member_api_client, workspace):
    for amount in (1, 2, 3):
        debit_credits(workspace, amount)

    first_page = member_api_client.get("/api/v1/billing/ledger?limit=2").json()
    second_page = member_api_client.get(first_page["next"]).json()

    assert [e["amount"] for e in first_page["results"]] == [-3, -2]
    assert [e["amount"] for e in second_page["results"]] == [-1, 100]
    assert second_page["next"] is None
    assert set(first_page["results"][0]) == {
        "id",
        "created_at",
        "kind",
        "amount",
        "balance_after",
        "description",
        "reference",
    }
    assert first_page["results"][0]["balance_after"] == 94


def test_addons_are_listed_with_the_workspace_quantity(member_api_client):
    assert member_api_client.get("/api/v1/billing/addons").json() == [
        {
            "code": "active_leads_25k",
            "name": "+25,000 active leads",
            "active_leads": 25_000,
            "price_cents": 9_900,
            "available_on_plan": False,
            "quantity": 0,
        }
    ]


def test_owner_sets_the_addon_quantity_and_the_limit_follows(api_client, workspace):
    services.subscription_set_plan(workspace=workspace, plan_code="hypergrowth")

    added = api_client.post(
        "/api/v1/billing/addons", {"addon": "active_leads_25k", "quantity": 2}, format="json"
    )
    assert api_client.get("/api/v1/usage").json()["active_leads"]["limit"] == 75_000
    removed = api_client.post(
        "/api/v1/billing/addons", {"addon": "active_leads_25k", "quantity": 0}, format="json"
    )

    assert added.status_code == removed.status_code == 200
    assert (added.json()["quantity"], removed.json()["quantity"]) == (2, 0)
    assert api_client.get("/api/v1/usage").json()["active_leads"]["limit"] == 25_000


def test_an_addon_the_plan_does_not_offer_is_a_400(api_client):
    with nothing_changes():
        response = api_client.post(
            "/api/v1/billing/addons", {"addon": "active_leads_25k", "quantity": 1}, format="json"
        )

    assert response.status_code == 400
    assert error_of(response)["details"] == {"addon": ["Not available on the Trial plan."]}


def test_each_key_sees_only_its_own_workspaces_billing(
    api_client, other_api_client, workspace, other_workspace
):
    debit_credits(workspace, 7)
    services.subscription_set_plan(workspace=workspace, plan_code="growth")

    theirs = other_api_client.get("/api/v1/billing/ledger").json()["results"]

    assert [e["amount"] for e in theirs] == [100]
    assert {e["id"] for e in theirs}.isdisjoint(
        LedgerEntry.objects.for_workspace(workspace).values_list("id", flat=True)
    )
    assert other_api_client.get("/api/v1/billing/subscription").json()["plan"] == "trial"
    assert other_api_client.get("/api/v1/usage").json()["lead_credits"]["balance"] == 100


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/usage",
        "/api/v1/workspace",
        "/api/v1/billing/plans",
        "/api/v1/billing/subscription",
        "/api/v1/billing/ledger",
        "/api/v1/billing/credit-packs",
        "/api/v1/billing/addons",
    ],
)
def test_billing_endpoints_need_an_api_key(client, db, path):
    response = client.get(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
