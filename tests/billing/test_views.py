"""Settings → Uploaded Contacts, Settings → Billing, the Home usage cards and the quota banners."""

import html
import json
import re

import pytest
from django.test import Client

from accounts.models import Role
from billing import services, views
from billing.models import CreditGrant, LedgerEntry, Payment
from billing.selectors import lead_credits_balance, subscription_for_workspace, usage_for_workspace
from tests.billing.factories import debit_credits, take_slots
from tests.factories import MembershipFactory, owner_of
from tests.unchanged import nothing_changes


@pytest.fixture
def owner_client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def page_text(response):
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_uploaded_contacts_shows_the_active_leads_credit_of_the_workspace(
    owner_client, workspace, other_workspace
):
    take_slots(workspace, 40)
    take_slots(other_workspace, 7)

    text = page_text(owner_client.get("/settings/uploaded-contacts/"))

    assert "Active Leads Credit" in text
    assert 'data-testid="uploaded-used">40<' in text
    assert 'data-testid="uploaded-limit">250<' in text
    assert 'data-testid="uploaded-available">210<' in text
    assert "Your active leads are full" not in text


def test_full_active_leads_show_the_two_ways_out(owner_client, workspace):
    take_slots(workspace, 250)

    text = page_text(owner_client.get("/settings/uploaded-contacts/"))

    assert "Your active leads are full" in text
    assert 'href="/campaigns/"' in text and "Remove leads from campaigns" in text
    assert 'href="/settings/billing/"' in text and "Upgrade your plan" in text


def test_after_a_downgrade_below_used_the_page_says_nothing_was_deleted(owner_client, workspace):
    services.subscription_set_plan(workspace=workspace, plan_code="growth")
    take_slots(workspace, 1000)
    services.subscription_set_plan(workspace=workspace, plan_code="trial")

    text = page_text(owner_client.get("/settings/uploaded-contacts/"))

    assert 'data-testid="uploaded-used">1,000<' in text
    assert 'data-testid="uploaded-limit">250<' in text
    assert 'data-testid="uploaded-available">0<' in text
    assert "Nothing was deleted" in text


def test_home_shows_the_usage_cards(owner_client, workspace):
    take_slots(workspace, 12)

    text = page_text(owner_client.get("/"))

    assert 'data-testid="active-leads-used">12<' in text
    assert 'data-testid="active-leads-limit">250<' in text
    assert '<progress value="12" max="250"' in text
    assert 'data-testid="lead-credits-balance">100<' in text


def test_a_banner_says_when_the_active_leads_are_at_the_limit(owner_client, workspace):
    assert 'data-kind="active_leads"' not in page_text(owner_client.get("/"))
    take_slots(workspace, 250)
    text = page_text(owner_client.get("/contacts/"))
    assert 'data-kind="active_leads"' in text
    assert "All 250 active leads are in use" in text


def test_a_banner_says_when_credits_fall_under_ten_percent_of_the_allowance(owner_client, workspace):
    debit_credits(workspace, 90)
    assert 'data-kind="lead_credits"' not in page_text(owner_client.get("/"))
    debit_credits(workspace, 1)
    text = page_text(owner_client.get("/"))
    assert 'data-kind="lead_credits"' in text
    assert "Only 9 lead credits left" in text


def test_billing_page_marks_the_current_plan_and_lists_the_ledger(owner_client, workspace):
    text = page_text(owner_client.get("/settings/billing/"))

    assert 'class="plan current" data-plan="trial"' in text
    assert "Upgrade to Growth" in text
    assert 'id="credit-chart"' in text and "chart-4.6.1.umd.min.js" in text
    entry = LedgerEntry.objects.for_workspace(workspace).get()
    assert entry.description in text


def test_upgrade_confirmation_says_what_changes_now_and_what_expires(owner_client, workspace):
    debit_credits(workspace, 30)

    text = page_text(owner_client.get("/settings/billing/plan/growth/"))

    assert "Upgrade to Growth" in text
    assert "starts now with 1,200 active leads" in text
    assert "The 70 credits left of this month" in text
    assert subscription_for_workspace(workspace=workspace).plan.code == "trial"


def test_upgrade_confirmation_counts_the_add_ons_in_the_price_and_the_limit(owner_client, workspace):
    services.subscription_set_plan(workspace=workspace, plan_code="hypergrowth")
    services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=2)

    text = page_text(owner_client.get("/settings/billing/plan/lightspeed/"))
    owner_client.post("/settings/billing/plan/lightspeed/")

    paid = Payment.objects.for_workspace(workspace).filter(purpose=Payment.Purpose.PLAN).latest("id")
    limit = usage_for_workspace(workspace=workspace)["active_leads"]["limit"]
    assert paid.amount_cents == 79_700
    assert "You pay $797 for the new period now (Lightspeed and your add-ons)" in text
    assert f"Lightspeed starts now with {limit:,} active leads" in text


def test_confirming_an_upgrade_applies_it_at_once(owner_client, workspace):
    response = owner_client.post("/settings/billing/plan/growth/")

    assert response.status_code == 302
    assert subscription_for_workspace(workspace=workspace).plan.code == "growth"
    assert usage_for_workspace(workspace=workspace)["active_leads"]["limit"] == 1200
    assert lead_credits_balance(workspace=workspace) == 1200


def test_a_downgrade_is_scheduled_for_the_end_of_the_period_and_warns_about_used_leads(
    owner_client, workspace
):
    services.subscription_set_plan(workspace=workspace, plan_code="growth")
    take_slots(workspace, 300)

    text = page_text(owner_client.get("/settings/billing/plan/trial/"))
    assert "You stay on Growth until" in text
    assert "You have 300 active leads, more than Trial's 250" in text

    owner_client.post("/settings/billing/plan/trial/")
    subscription = subscription_for_workspace(workspace=workspace)
    assert subscription.plan.code == "growth"
    assert subscription.scheduled_plan.code == "trial"


def test_buying_a_credit_pack_adds_credits_that_never_expire(owner_client, workspace):
    owner_client.post("/settings/billing/credit-packs/credits_1000/buy/")

    assert lead_credits_balance(workspace=workspace) == 1100
    pack = CreditGrant.objects.for_workspace(workspace).get(source=CreditGrant.Source.PACK)
    assert pack.expires_at is None


def test_adding_an_add_on_raises_the_active_leads_limit(owner_client, workspace):
    services.subscription_set_plan(workspace=workspace, plan_code="hypergrowth")

    owner_client.post("/settings/billing/addons/active_leads_25k/", {"quantity": "2"})

    assert usage_for_workspace(workspace=workspace)["active_leads"]["limit"] == 75_000


def test_a_bad_add_on_quantity_changes_nothing(owner_client, workspace):
    services.subscription_set_plan(workspace=workspace, plan_code="hypergrowth")

    with nothing_changes():
        response = owner_client.post(
            "/settings/billing/addons/active_leads_25k/", {"quantity": "-1"}, follow=True
        )

    assert "Choose how many units" in response.content.decode()
    assert usage_for_workspace(workspace=workspace)["active_leads"]["limit"] == 25_000


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
def test_members_and_admins_see_billing_but_cannot_change_it(workspace, role):
    client = Client()
    client.force_login(MembershipFactory(workspace=workspace, role=role).user)
    text = page_text(client.get("/settings/billing/"))
    assert "Only owners of" in text
    assert "Upgrade to Growth" not in text

    with nothing_changes():
        assert client.get("/settings/billing/plan/growth/").status_code == 403
        assert client.post("/settings/billing/plan/growth/").status_code == 403
        assert client.post("/settings/billing/credit-packs/credits_1000/buy/").status_code == 403
        assert client.post("/settings/billing/addons/active_leads_25k/", {"quantity": "2"}).status_code == 403
    assert subscription_for_workspace(workspace=workspace).plan.code == "trial"
    assert lead_credits_balance(workspace=workspace) == 100
    assert usage_for_workspace(workspace=workspace)["active_leads"]["limit"] == 250


def test_an_unknown_plan_or_pack_changes_nothing(owner_client, workspace):
    with nothing_changes():
        assert owner_client.get("/settings/billing/plan/platinum/").status_code == 404
        response = owner_client.post("/settings/billing/credit-packs/credits_9/buy/", follow=True)
    assert "There is no credit pack" in response.content.decode()
    assert lead_credits_balance(workspace=workspace) == 100


def embedded_chart_points(text):
    start = text.index('<script id="credit-chart-data" type="application/json">') + len(
        '<script id="credit-chart-data" type="application/json">'
    )
    return json.loads(text[start : text.index("</script>", start)])


def test_the_credit_chart_is_the_balance_over_real_time_from_zero(owner_client, workspace):
    debit_credits(workspace, 30)
    debit_credits(workspace, 5)

    points = embedded_chart_points(page_text(owner_client.get("/settings/billing/")))

    times = [point["t"] for point in points]
    assert times == sorted(times)
    assert all(isinstance(t, int) and t > 1_600_000_000_000 for t in times)  # epoch milliseconds
    assert [point["balance"] for point in points] == [0, 100, 70, 65, 65]


def test_the_ledger_is_paged_and_page_two_links_back(owner_client, workspace):
    for number in range(views.LEDGER_ROWS):
        debit_credits(workspace, 1, description=f"Lookup number {number}.")
    entries = list(LedgerEntry.objects.for_workspace(workspace).order_by("-id"))
    oldest = entries[-1]

    first = page_text(owner_client.get("/settings/billing/"))
    assert oldest.description not in first
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1)

    second = page_text(owner_client.get(next_url))
    assert oldest.description in second
    assert entries[0].description not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_the_credits_card_says_one_credit_and_that_it_expires(owner_client, workspace):
    debit_credits(workspace, 99)

    text = " ".join(page_text(owner_client.get("/")).split())

    assert 'data-testid="lead-credits-balance">1</strong> credit</p>' in text
    assert "; 1 expires on" in text
