"""Rule 20 at the Lead Finder: a suppressed prospect is never charged and not taken (``skipped_suppressed``),
without the free preview, or a refusal, telling whether a masked email is an address the workspace listed."""

import re

import pytest
from django.urls import reverse

from billing import selectors as billing_selectors
from billing.errors import InsufficientLeadCredits
from billing.models import LedgerEntry
from campaigns.models import Enrollment
from leadfinder import services
from leadfinder.models import Ownership
from leads.models import Lead
from leads.services import suppression_add
from tests.billing.factories import CreditGrantFactory, debit_credits
from tests.campaigns.import_helpers import with_active_leads_limit
from tests.factories import CampaignFactory, make_prospects

pytestmark = pytest.mark.django_db


def take(workspace, prospects, **kwargs):
    return services.download_create(workspace=workspace, prospect_ids=[p.pk for p in prospects], **kwargs)


def balance(workspace):
    return billing_selectors.lead_credits_balance(workspace=workspace)


def ledger(workspace):
    return list(LedgerEntry.objects.for_workspace(workspace).values_list("kind", "amount"))


def test_a_prospect_of_a_suppressed_domain_is_skipped_and_not_charged(api_client, workspace):
    blocked, kept = make_prospects(2)
    suppression_add(workspace=workspace, value=f"@{blocked.company_domain}")
    before = ledger(workspace)

    response = api_client.post(
        "/api/v1/leadfinder/downloads", {"prospect_ids": [blocked.pk, kept.pk]}, format="json"
    )

    body = response.json()
    assert response.status_code == 201
    assert (body["requested"], body["charged"], body["skipped_suppressed"], body["credits_balance"]) == (
        2,
        1,
        1,
        99,
    )
    assert len(ledger(workspace)) == len(before) + 1  # one debit, of the one taken
    assert LedgerEntry.objects.for_workspace(workspace).latest("id").amount == -1
    assert list(Lead.objects.for_workspace(workspace).values_list("email", flat=True)) == [kept.email]
    assert list(Ownership.objects.for_workspace(workspace).values_list("prospect_id", flat=True)) == [kept.pk]


def test_a_hidden_address_on_the_list_is_skipped_uncharged_by_a_take_that_goes_ahead(workspace):
    listed, kept = make_prospects(2)
    suppression_add(workspace=workspace, value=listed.email)

    download = take(workspace, [listed, kept])

    assert (download.charged, download.skipped_suppressed, download.not_added_over_limit) == (1, 1, 0)
    assert balance(workspace) == 99
    assert not Lead.objects.for_workspace(workspace).filter(email=listed.email).exists()


def test_an_owned_prospect_suppressed_since_is_not_taken_again(workspace):
    [prospect] = make_prospects(1)
    take(workspace, [prospect])
    suppression_add(workspace=workspace, value=prospect.email)
    campaign = CampaignFactory(workspace=workspace)

    download = take(workspace, [prospect], campaign=campaign)

    assert (download.charged, download.already_owned, download.skipped_suppressed) == (0, 0, 1)
    assert (download.added_to_campaign, Enrollment.objects.for_workspace(workspace).count()) == (0, 0)


def test_a_suppressed_prospect_needs_no_slot_in_a_campaign(workspace):
    with_active_leads_limit(workspace, 1)
    CreditGrantFactory(workspace=workspace, amount=10)
    campaign = CampaignFactory(workspace=workspace)
    blocked, kept = make_prospects(2)
    suppression_add(workspace=workspace, value=blocked.company_domain)

    download = take(workspace, [blocked, kept], campaign=campaign)

    assert (download.added_to_campaign, download.skipped_suppressed, download.not_added_over_limit) == (
        1,
        1,
        0,
    )


@pytest.mark.parametrize("listed", [True, False], ids=["guess-right", "guess-wrong"])
def test_without_credits_a_take_is_refused_whether_or_not_a_hidden_address_is_listed(workspace, listed):
    """Else a take with no credits would confirm a guessed address for free: 402 either way."""
    [prospect] = make_prospects(1)
    suppression_add(workspace=workspace, value=prospect.email if listed else "someone.else@example.com")
    debit_credits(workspace, 100)

    with pytest.raises(InsufficientLeadCredits):
        take(workspace, [prospect])
    download = take(workspace, [prospect], allow_partial=True)
    assert (download.charged, download.skipped_suppressed, download.not_added_over_limit) == (0, 0, 1)
    assert take(workspace, [prospect], allow_partial=True, max_charge=0).skipped_suppressed == 0


def preview_of(client, query):
    page = client.get(reverse("leadfinder_preview"), query).text
    article = page[page.index('<article class="cost-preview"') : page.index("</article>")]
    return " ".join(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", article).split())


def test_the_preview_counts_suppressed_domains(client, owner, workspace):
    client.force_login(owner)
    blocked, kept = make_prospects(2)
    suppression_add(workspace=workspace, value=blocked.company_domain)

    text = preview_of(client, {"scope": "selected", "prospect_ids": [blocked.pk, kept.pk]})

    assert "2 prospects: uses <strong>1 credit</strong>, you have 100" in text
    assert "1 on your suppression list is skipped and never charged." in text
    assert "Take 1 for 1 credit:" in text


def test_the_free_preview_does_not_tell_whether_a_masked_email_is_a_listed_address(client, owner, workspace):
    client.force_login(owner)
    [prospect] = make_prospects(1)
    query = {"scope": "selected", "prospect_ids": prospect.pk}
    entry = suppression_add(workspace=workspace, value=prospect.email)

    right = preview_of(client, query)
    entry.value = "someone.else@example.com"
    entry.save(update_fields=["value"])
    wrong = preview_of(client, query)

    assert "uses <strong>1 credit</strong>" in right
    assert right == wrong


def test_a_dashboard_take_says_how_many_suppressed_were_skipped(client, owner, workspace):
    client.force_login(owner)
    blocked, kept = make_prospects(2)
    suppression_add(workspace=workspace, value=blocked.company_domain)

    response = client.post(
        reverse("leadfinder_take"),
        {"scope": "selected", "prospect_ids": [blocked.pk, kept.pk], "action": "contacts"},
        follow=True,
    )

    [message] = response.context["messages"]
    assert message.level_tag == "warning"
    assert str(message) == (
        "Took 1 prospect: 1 new for 1 credit, 0 already owned (free). "
        "1 on your suppression list was skipped (not charged)."
    )
