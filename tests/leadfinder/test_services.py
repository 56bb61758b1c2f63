"""Rules 7-9 through ``leadfinder.services.download_create``."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from billing import selectors as billing_selectors
from billing.errors import InsufficientLeadCredits
from billing.models import LedgerEntry, Quota
from campaigns import services as campaign_services
from campaigns.models import Enrollment
from core.errors import Conflict, DomainError
from leadfinder import services
from leadfinder.models import Download, Ownership
from leadfinder.selectors import ProspectFilters
from leads.models import Lead
from tests.billing.factories import CreditGrantFactory, debit_credits, ledger_sum
from tests.campaigns.import_helpers import with_active_leads_limit
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, enroll, make_prospects

pytestmark = pytest.mark.django_db


def take(workspace, prospects, **kwargs):
    return services.download_create(workspace=workspace, prospect_ids=[p.pk for p in prospects], **kwargs)


def balance(workspace):
    return billing_selectors.lead_credits_balance(workspace=workspace)


def used_slots(workspace):
    return Quota.objects.for_workspace(workspace).get().active_leads_used


def csv_rows(download):
    with default_storage.open(download.file.name) as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode())))


# Rule 7


def test_a_new_prospect_costs_one_credit_and_becomes_an_owned_contact(workspace):
    [prospect] = make_prospects(1)

    download = take(workspace, [prospect])

    assert (download.requested, download.charged, download.already_owned) == (1, 1, 0)
    assert balance(workspace) == 99
    lead = Lead.objects.for_workspace(workspace).get(email=prospect.email)
    assert lead.source == Lead.Source.LEADFINDER
    assert (lead.phone, lead.linkedin_url, lead.website) == (
        prospect.phone,
        prospect.linkedin_url,
        f"https://{prospect.company_domain}",
    )
    ownership = Ownership.objects.for_workspace(workspace).get()
    assert (ownership.prospect_id, ownership.lead_id, ownership.download_id) == (
        prospect.pk,
        lead.pk,
        download.pk,
    )


def test_a_prospect_with_a_malformed_optional_value_still_becomes_a_contact_without_it(workspace):
    [prospect] = make_prospects(1)
    type(prospect).objects.filter(pk=prospect.pk).update(phone="call me")

    download = take(workspace, [prospect])

    assert (download.requested, download.charged) == (1, 1)
    lead = Lead.objects.for_workspace(workspace).get(email=prospect.email)
    assert (lead.phone, lead.website) == ("", f"https://{prospect.company_domain}")
    assert Ownership.objects.for_workspace(workspace).get().lead_id == lead.pk


def test_taking_an_owned_prospect_again_is_free_forever(workspace):
    prospects = make_prospects(3)
    take(workspace, prospects[:2])

    download = take(workspace, prospects)

    assert (download.charged, download.already_owned) == (1, 2)
    assert balance(workspace) == 100 - 3
    assert Lead.objects.for_workspace(workspace).count() == 3


def test_an_owned_prospect_whose_contact_was_deleted_comes_back_as_a_contact_for_free(workspace):
    [prospect] = make_prospects(1)
    take(workspace, [prospect])
    campaign_services.lead_delete(workspace=workspace, lead=Lead.objects.for_workspace(workspace).get())

    download = take(workspace, [prospect])

    assert (download.charged, download.already_owned) == (0, 1)
    lead = Lead.objects.for_workspace(workspace).get()
    assert Ownership.objects.for_workspace(workspace).get().lead_id == lead.pk
    assert balance(workspace) == 99


def test_a_prospect_without_email_is_never_charged_and_not_made_a_contact(workspace):
    with_email = make_prospects(2)
    without_email = make_prospects(1, email="")

    download = take(workspace, [*with_email, *without_email])

    assert (download.requested, download.charged, download.skipped_no_email) == (3, 2, 1)
    assert balance(workspace) == 98
    assert Lead.objects.for_workspace(workspace).count() == 2
    assert not Ownership.objects.for_workspace(workspace).filter(prospect=without_email[0]).exists()


def test_ownership_is_per_workspace(workspace, other_workspace):
    [prospect] = make_prospects(1)
    take(workspace, [prospect])

    download = take(other_workspace, [prospect])

    assert download.charged == 1
    assert balance(other_workspace) == 99


def test_an_existing_contact_with_the_prospects_email_is_linked_not_duplicated(workspace):
    [prospect] = make_prospects(1)
    lead = LeadFactory(workspace=workspace, email=prospect.email, first_name="Mine")

    download = take(workspace, [prospect])

    assert download.charged == 1
    assert Lead.objects.for_workspace(workspace).get() == lead
    lead.refresh_from_db()
    assert lead.first_name == "Mine"
    assert Ownership.objects.for_workspace(workspace).get().lead == lead


def test_the_debit_names_the_download_and_the_ledger_adds_up(workspace, owner):
    prospects = make_prospects(5)

    download = take(workspace, prospects, actor=owner)

    debit = LedgerEntry.objects.for_workspace(workspace).get(kind=LedgerEntry.Kind.DEBIT)
    assert (debit.amount, debit.reference, debit.actor) == (-5, f"leadfinder-download:{download.pk}", owner)
    assert ledger_sum(workspace) == balance(workspace) == 95


def test_nothing_new_means_no_ledger_entry(workspace):
    prospects = make_prospects(2)
    take(workspace, prospects)

    take(workspace, prospects)

    assert LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.DEBIT).count() == 1


# Rule 9


def test_short_of_credits_the_download_fails_whole_naming_needed_and_balance(workspace):
    prospects = make_prospects(120)
    owned = prospects[:30]
    take(workspace, owned)  # 70 credits left

    with pytest.raises(InsufficientLeadCredits) as refused:
        take(workspace, prospects)

    assert refused.value.details == {"needed": 90, "balance": 70}
    assert balance(workspace) == 70
    assert Lead.objects.for_workspace(workspace).count() == 30
    assert Ownership.objects.for_workspace(workspace).count() == 30
    assert Download.objects.for_workspace(workspace).count() == 1


def test_allow_partial_takes_what_the_balance_pays_for_in_request_order_and_owned_ones_free(workspace):
    prospects = make_prospects(10)
    debit_credits(workspace, 96)  # 4 credits left
    take(workspace, prospects[5:7], allow_partial=True)  # owned now, 2 left
    requested = list(reversed(prospects))

    download = take(workspace, requested, allow_partial=True)

    assert (download.requested, download.charged, download.already_owned, download.not_added_over_limit) == (
        10,
        2,
        2,
        6,
    )
    assert balance(workspace) == 0
    taken = {int(row["prospect_id"]) for row in csv_rows(download)}
    assert taken == {prospects[9].pk, prospects[8].pk, prospects[6].pk, prospects[5].pk}


def test_allow_partial_with_no_credits_still_takes_the_owned_ones(workspace):
    prospects = make_prospects(3)
    take(workspace, prospects[:1])
    debit_credits(workspace, 99)

    download = take(workspace, prospects, allow_partial=True)

    assert (download.charged, download.already_owned, download.not_added_over_limit) == (0, 1, 2)


# Rule 8


def test_worked_example_1500_credits_1200_slots_adds_1200_and_keeps_300_credits():
    workspace = WorkspaceFactory(plan_code="growth")  # 1,200 credits and 1,200 active leads
    CreditGrantFactory(workspace=workspace, amount=300)
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(1500)

    download = take(workspace, prospects, campaign=campaign)

    assert download.requested == 1500
    assert download.added_to_campaign == 1200
    assert download.charged == 1200
    assert download.not_added_over_limit == 300
    assert balance(workspace) == 300
    assert used_slots(workspace) == 1200
    assert Ownership.objects.for_workspace(workspace).count() == 1200
    assert Lead.objects.for_workspace(workspace).count() == 1200
    assert ledger_sum(workspace) == 300


def test_with_a_campaign_the_number_added_is_the_smaller_of_credits_and_slots(workspace):
    # A trial: 100 credits, 250 active leads.
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(150)

    download = take(workspace, prospects, campaign=campaign, allow_partial=True)

    assert (download.added_to_campaign, download.charged, download.not_added_over_limit) == (100, 100, 50)
    assert used_slots(workspace) == 100
    assert balance(workspace) == 0


def test_with_a_campaign_short_of_credits_for_what_fits_is_refused_without_allow_partial(workspace):
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(150)

    with pytest.raises(InsufficientLeadCredits) as refused:
        take(workspace, prospects, campaign=campaign)

    assert refused.value.details == {"needed": 150, "balance": 100}
    assert used_slots(workspace) == 0
    assert Enrollment.objects.for_workspace(workspace).count() == 0


def test_owned_and_already_active_prospects_need_neither_credit_nor_slot(workspace):
    with_active_leads_limit(workspace, 2)
    CreditGrantFactory(workspace=workspace, amount=100)
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    prospects = make_prospects(4)
    take(workspace, prospects[:2], campaign=first)  # no slot left

    download = take(workspace, prospects, campaign=second)

    assert (download.charged, download.already_owned, download.added_to_campaign) == (0, 2, 2)
    assert download.not_added_over_limit == 2
    assert used_slots(workspace) == 2
    assert balance(workspace) == 98


def test_prospects_needing_fewer_resources_go_before_those_needing_more(workspace):
    with_active_leads_limit(workspace, 2)
    CreditGrantFactory(workspace=workspace, amount=100)
    campaign, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    new, owned_idle, owned_active = make_prospects(3), make_prospects(1), make_prospects(1)
    take(workspace, owned_idle)  # owned, in no campaign: needs a slot only
    take(workspace, owned_active, campaign=other)  # owned and active: needs neither; 1 slot left
    debit_credits(workspace, 97)  # 1 credit left

    download = take(workspace, [*new, *owned_idle, *owned_active], campaign=campaign, allow_partial=True)

    assert (download.added_to_campaign, download.charged, download.already_owned) == (2, 0, 2)
    enrolled = set(
        Enrollment.objects.for_workspace(workspace)
        .filter(campaign=campaign)
        .values_list("lead__email", flat=True)
    )
    assert enrolled == {owned_idle[0].email, owned_active[0].email}


def test_an_unowned_prospect_counts_a_slot_even_if_its_email_is_an_active_contact_then_is_linked(workspace):
    """Its email is hidden until paid for: the plan cannot use it. Once taken it joins that contact."""
    campaign, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    [prospect] = make_prospects(1)
    known = LeadFactory(workspace=workspace, email=prospect.email)
    with_active_leads_limit(workspace, 1)
    CreditGrantFactory(workspace=workspace, amount=100)
    enroll(other, [known])  # no slot left

    refused = take(workspace, [prospect], campaign=campaign, allow_partial=True)
    with_active_leads_limit(workspace, 2)
    taken = take(workspace, [prospect], campaign=campaign)

    assert (refused.charged, refused.not_added_over_limit) == (0, 1)
    assert (taken.charged, taken.added_to_campaign) == (1, 1)
    assert Lead.objects.for_workspace(workspace).get() == known
    assert Ownership.objects.for_workspace(workspace).get().lead == known
    assert used_slots(workspace) == 1


def test_a_contact_already_in_the_campaign_is_counted_as_such(workspace):
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(2)
    take(workspace, prospects[:1], campaign=campaign)

    download = take(workspace, prospects, campaign=campaign)

    assert (download.added_to_campaign, download.already_in_campaign, download.charged) == (1, 1, 1)


def test_an_archived_campaign_takes_nothing_and_charges_nothing(workspace):
    campaign = CampaignFactory(workspace=workspace, status="archived")

    with pytest.raises(Conflict):
        take(workspace, make_prospects(2), campaign=campaign)

    assert balance(workspace) == 100
    assert Download.objects.for_workspace(workspace).count() == 0


# The request


def test_unknown_prospect_ids_are_refused_naming_them(workspace):
    [prospect] = make_prospects(1)

    with pytest.raises(DomainError) as refused:
        services.download_create(workspace=workspace, prospect_ids=[prospect.pk, 999_998, 999_999])

    assert refused.value.details == {
        "prospect_ids": ["No prospect with id 999998.", "No prospect with id 999999."]
    }
    assert balance(workspace) == 100


@pytest.mark.parametrize("named", [{}, {"filters": ProspectFilters(department=("sales",))}, {"limit": 3}])
def test_a_download_that_names_neither_ids_nor_a_search_with_a_limit_is_refused_and_takes_nothing(
    workspace, named
):
    make_prospects(3, department="sales")

    with pytest.raises(DomainError, match="Send prospect_ids, or filters with a limit"):
        services.download_create(workspace=workspace, **named)

    assert not Download.objects.for_workspace(workspace).exists()
    assert balance(workspace) == 100


def test_ids_listed_twice_are_taken_once(workspace):
    [prospect] = make_prospects(1)

    download = services.download_create(workspace=workspace, prospect_ids=[prospect.pk, prospect.pk])

    assert (download.requested, download.charged) == (1, 1)


def test_by_filters_takes_the_first_n_of_the_search_as_it_shows_them(workspace):
    sales = make_prospects(5, department="sales")
    make_prospects(3, department="finance")

    download = services.download_create(
        workspace=workspace, filters=ProspectFilters(department=("sales",)), limit=3
    )

    assert download.query == {"filters": {"department": ["sales"]}, "limit": 3}
    assert [int(row["prospect_id"]) for row in csv_rows(download)] == [p.pk for p in reversed(sales)][:3]


def test_the_csv_has_the_prospects_taken_with_their_contacts_and_is_formula_safe(workspace):
    [prospect] = make_prospects(1, company_name='=HYPERLINK("http://evil")', job_title="@SUM(A1)")
    [no_email] = make_prospects(1, email="")

    download = take(workspace, [prospect, no_email])

    [row] = csv_rows(download)
    assert row["email"] == prospect.email
    assert row["company_name"] == '\'=HYPERLINK("http://evil")'
    assert row["job_title"] == "'@SUM(A1)"
    assert row["phone"] == prospect.phone  # a phone number keeps its "+" (core.exports)
    assert row["contact_id"] == str(Lead.objects.for_workspace(workspace).get().pk)
    assert download.file.name == f"leadfinder/downloads/{workspace.pk}/{download.pk}.csv"


def test_a_grant_expiring_while_a_download_runs_does_not_make_it_refuse_what_it_planned(
    workspace, monkeypatch
):
    """The plan counts the balance at the moment the download locked the quota row; the debit spends at
    that same moment, so a grant that expires in between is still there for it (it used to be expired by
    the debit's own catch-up: a 402 even with allow_partial)."""
    debit_credits(workspace, balance(workspace))
    expiry = timezone.now() + timedelta(hours=1)
    CreditGrantFactory(workspace=workspace, amount=5, expires_at=expiry)
    prospects = make_prospects(5)
    clock = {"now": expiry - timedelta(seconds=1)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    counted = billing_selectors.lead_credits_balance

    def balance_then_the_grant_expires(**kwargs):
        counted_balance = counted(**kwargs)
        clock["now"] = expiry + timedelta(milliseconds=5)
        return counted_balance

    monkeypatch.setattr(billing_selectors, "lead_credits_balance", balance_then_the_grant_expires)

    download = take(workspace, prospects, allow_partial=True)

    assert clock["now"] > expiry  # the grant did expire while the download ran
    assert (download.charged, download.taken) == (5, 5)
    assert ledger_sum(workspace) == 0


def test_downloading_is_not_limited_by_active_leads_when_every_slot_is_taken(workspace):
    # A trial: 100 credits, 250 active leads, all 250 in a campaign.
    full = CampaignFactory(workspace=workspace)
    enroll(full, LeadFactory.create_batch(250, workspace=workspace))
    assert used_slots(workspace) == 250
    prospects = make_prospects(5)

    download = take(workspace, prospects)

    assert (download.charged, download.not_added_over_limit, download.added_to_campaign) == (5, 0, 0)
    assert balance(workspace) == 95
    assert Lead.objects.for_workspace(workspace).filter(email__in=[p.email for p in prospects]).count() == 5
    assert used_slots(workspace) == 250
