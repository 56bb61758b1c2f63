"""Rules 1, 2 and 22: a finished enrollment keeps its history and, while the workspace releases finished
leads, takes no active-lead slot; every door that decides who holds a slot agrees, and finishing emits
one webhook event per enrollment it ends."""

import pytest
from django.utils import timezone

from billing import services as billing_services
from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from campaigns import services
from campaigns.models import Campaign, Enrollment
from campaigns.selectors import (
    active_leads_used_by_enrollments,
    finished_leads_kept,
    lead_keys,
    slots_freed_by_removing,
)
from core.api.models import Event
from core.errors import Conflict, DomainError
from leadfinder import services as leadfinder_services
from leads.models import Lead
from tests.billing.factories import CreditGrantFactory
from tests.campaigns.import_helpers import buckets, csv_text, run_import, with_active_leads_limit
from tests.factories import CampaignFactory, LeadFactory, enroll, make_prospects

pytestmark = pytest.mark.django_db

Status = Enrollment.Status
FINISHING = [Status.COMPLETED, Status.REPLIED, Status.BOUNCED, Status.UNSUBSCRIBED]


def used(workspace):
    return Quota.objects.for_workspace(workspace).get().active_leads_used


def assert_exact(workspace):
    """The counter is what the enrollments say, and the audit finds nothing."""
    assert used(workspace) == active_leads_used_by_enrollments(workspace)
    assert billing_services.quota_audit(workspace=workspace) == []


def finish(campaign, leads, status=Status.REPLIED):
    return services.enrollments_finish(
        workspace=campaign.workspace, campaign=campaign, lead_ids=[lead.pk for lead in leads], status=status
    )


def status_of(campaign, lead):
    return Enrollment.objects.for_workspace(campaign.workspace).get(campaign=campaign, lead=lead).status


def release_finished(workspace, value):
    billing_services.release_finished_leads_set(workspace=workspace, value=value)


# Finishing frees slots


@pytest.mark.parametrize("status", FINISHING)
def test_each_finishing_status_frees_the_slot_and_keeps_the_enrollment(workspace, status):
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(campaign, leads)

    ended = finish(campaign, leads[:2], status)

    assert ended == 2
    assert used(workspace) == 1
    finished = Enrollment.objects.for_workspace(workspace).get(campaign=campaign, lead=leads[0])
    assert (finished.status, finished.next_send_at) == (status, None)
    assert finished.finished_at is not None
    assert Campaign.objects.for_workspace(workspace).get(pk=campaign.pk).lead_count == 3
    assert_exact(workspace)


def test_pausing_frees_nothing(workspace):
    campaign = CampaignFactory(workspace=workspace)
    first, second = LeadFactory.create_batch(2, workspace=workspace)
    enroll(campaign, [first, second])

    services.enrollment_pause(workspace=workspace, campaign=campaign, lead_id=first.pk)
    services.enrollment_set_status(
        workspace=workspace, campaign=campaign, lead_id=second.pk, status=Status.PAUSED
    )

    assert (status_of(campaign, first), status_of(campaign, second)) == (Status.PAUSED, Status.PAUSED)
    assert used(workspace) == 2
    assert_exact(workspace)


def test_finishing_a_paused_enrollment_frees_its_slot(workspace):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)
    enroll(campaign, [lead])
    services.enrollment_pause(workspace=workspace, campaign=campaign, lead_id=lead.pk)

    assert finish(campaign, [lead], Status.UNSUBSCRIBED) == 1

    assert used(workspace) == 0
    assert_exact(workspace)


def test_a_contact_live_in_another_campaign_keeps_its_one_slot_until_its_last_sequence_ends(workspace):
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)
    enroll(first, [lead])
    enroll(second, [lead])
    assert used(workspace) == 1

    finish(first, [lead])
    assert used(workspace) == 1
    services.enrollment_pause(workspace=workspace, campaign=second, lead_id=lead.pk)
    assert used(workspace) == 1

    finish(second, [lead], Status.COMPLETED)
    assert used(workspace) == 0
    assert_exact(workspace)


def test_a_bounce_across_campaigns_frees_the_one_slot_once(workspace):
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    lead, other = LeadFactory.create_batch(2, workspace=workspace)
    enroll(first, [lead, other])
    enroll(second, [lead])

    ended = services.enrollments_finish(workspace=workspace, lead_ids=[lead.pk], status=Status.BOUNCED)

    assert ended == 2
    assert used(workspace) == 1
    assert_exact(workspace)


def test_finishing_twice_ends_nothing_more_and_frees_nothing_more(workspace):
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(2, workspace=workspace)
    enroll(campaign, leads)
    finish(campaign, leads[:1])

    assert finish(campaign, leads[:1], Status.UNSUBSCRIBED) == 0

    assert status_of(campaign, leads[0]) == Status.REPLIED
    assert used(workspace) == 1
    assert_exact(workspace)


def test_finishing_in_an_archived_campaign_frees_nothing_it_did_not_hold(workspace):
    archived, live = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    only_archived, both = LeadFactory.create_batch(2, workspace=workspace)
    enroll(archived, [only_archived, both])
    enroll(live, [both])
    services.campaign_set_status(workspace=workspace, campaign=archived, status=Campaign.Status.ARCHIVED)
    assert used(workspace) == 1

    finish(archived, [only_archived, both], Status.UNSUBSCRIBED)

    assert used(workspace) == 1
    assert_exact(workspace)


def test_with_the_setting_off_finishing_frees_nothing(workspace):
    release_finished(workspace, False)
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(campaign, leads)

    for status, lead in zip(FINISHING, leads, strict=False):
        finish(campaign, [lead], status)

    assert used(workspace) == 3
    assert finished_leads_kept(workspace) == 3  # what switching on would free
    assert_exact(workspace)


def test_a_status_that_does_not_finish_is_refused(workspace):
    with pytest.raises(ValueError):
        services.enrollments_finish(workspace=workspace, lead_ids=[1], status=Status.PAUSED)


# Webhook events (the outbox)


def test_each_ended_enrollment_emits_one_event_with_the_lead_and_the_campaign(workspace, other_workspace):
    first = CampaignFactory(workspace=workspace, name="Spring")
    second = CampaignFactory(workspace=workspace, name="Summer")
    lead = LeadFactory(workspace=workspace, email="ada@example.com")
    enroll(first, [lead])
    enroll(second, [lead])
    before = timezone.now()

    services.enrollments_finish(workspace=workspace, lead_ids=[lead.pk], status=Status.UNSUBSCRIBED)
    services.enrollments_finish(workspace=workspace, lead_ids=[lead.pk], status=Status.UNSUBSCRIBED)

    events = list(Event.objects.for_workspace(workspace).order_by("id"))
    assert [event.type for event in events] == ["lead.unsubscribed", "lead.unsubscribed"]
    by_campaign = {event.data["campaign"]["id"]: event.data for event in events}
    assert by_campaign[first.pk] == {
        "lead": {"id": lead.pk, "email": "ada@example.com"},
        "campaign": {"id": first.pk, "name": "Spring"},
        "status": "unsubscribed",
        "finished_at": by_campaign[first.pk]["finished_at"],
    }
    assert by_campaign[second.pk]["campaign"]["name"] == "Summer"
    finished_at = Enrollment.objects.for_workspace(workspace).get(campaign=first, lead=lead).finished_at
    assert by_campaign[first.pk]["finished_at"] == finished_at.isoformat()
    assert finished_at >= before
    assert not Event.objects.for_workspace(other_workspace).exists()


@pytest.mark.parametrize("status", FINISHING)
def test_the_event_type_names_the_status(workspace, status):
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(campaign, leads)

    finish(campaign, leads, status)

    types = list(Event.objects.for_workspace(workspace).values_list("type", flat=True))
    assert types == [f"lead.{status}"] * 3


def test_pausing_and_resuming_emit_no_event(workspace):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)
    enroll(campaign, [lead])

    services.enrollment_set_status(workspace=workspace, campaign=campaign, lead_id=lead.pk, status="paused")
    services.enrollment_set_status(workspace=workspace, campaign=campaign, lead_id=lead.pk, status="active")

    assert not Event.objects.for_workspace(workspace).exists()


# Adding again


def test_a_finished_contact_added_to_another_campaign_takes_a_slot_again(workspace):
    with_active_leads_limit(workspace, 1)
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    lead, other = LeadFactory.create_batch(2, workspace=workspace)
    enroll(first, [lead])
    finish(first, [lead])
    enroll(first, [other])  # the freed slot is taken by another contact

    with pytest.raises(ActiveLeadsLimitReached) as refused:
        enroll(second, [lead])
    assert refused.value.details == {"requested": 1, "available": 0, "limit": 1}

    services.enrollments_remove(workspace=workspace, campaign=first, lead_ids=[other.pk])
    result = enroll(second, [lead])
    assert result.added_lead_ids == [lead.pk]
    assert used(workspace) == 1
    assert_exact(workspace)


def test_re_adding_a_finished_contact_to_its_campaign_is_already_in_campaign_and_takes_nothing(workspace):
    with_active_leads_limit(workspace, 1)
    campaign = CampaignFactory(workspace=workspace)
    lead, other = LeadFactory.create_batch(2, workspace=workspace)
    enroll(campaign, [lead])
    finish(campaign, [lead])
    enroll(campaign, [other])  # no slot left

    result = enroll(campaign, [lead])

    assert (result.already_in_campaign_lead_ids, result.added) == ([lead.pk], 0)
    assert status_of(campaign, lead) == Status.REPLIED
    assert used(workspace) == 1
    assert_exact(workspace)


# Archiving, unarchiving, deleting, removing


@pytest.fixture
def mixed(workspace):
    """A campaign of four contacts: two live (one also live elsewhere) and two finished (one live
    elsewhere); 4 slots used in all."""
    campaign, elsewhere = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    live, live_both, finished, finished_both = LeadFactory.create_batch(4, workspace=workspace)
    enroll(campaign, [live, live_both, finished, finished_both])
    enroll(elsewhere, [live_both, finished_both])
    finish(campaign, [finished, finished_both])
    assert used(workspace) == 3
    return campaign, (live, live_both, finished, finished_both)


def test_archiving_frees_only_what_its_live_enrollments_held_alone(workspace, mixed):
    campaign, _ = mixed
    assert slots_freed_by_removing(workspace=workspace, campaign=campaign) == 1

    _, change = services.campaign_set_status(
        workspace=workspace, campaign=campaign, status=Campaign.Status.ARCHIVED
    )

    assert change == -1
    assert used(workspace) == 2
    assert_exact(workspace)


def test_unarchiving_takes_slots_only_for_its_live_enrollments(workspace, mixed):
    campaign, _ = mixed
    services.campaign_set_status(workspace=workspace, campaign=campaign, status=Campaign.Status.ARCHIVED)

    _, change = services.campaign_set_status(
        workspace=workspace, campaign=campaign, status=Campaign.Status.PAUSED
    )

    assert change == 1
    assert used(workspace) == 3
    assert_exact(workspace)


def test_unarchiving_with_the_setting_off_takes_slots_for_finished_enrollments_too(workspace, mixed):
    campaign, _ = mixed
    services.campaign_set_status(workspace=workspace, campaign=campaign, status=Campaign.Status.ARCHIVED)
    release_finished(workspace, False)
    assert used(workspace) == 2  # live_both and finished_both, in the other campaign

    _, change = services.campaign_set_status(
        workspace=workspace, campaign=campaign, status=Campaign.Status.DRAFT
    )

    assert change == 2
    assert used(workspace) == 4
    assert_exact(workspace)


def test_deleting_the_campaign_frees_only_what_its_live_enrollments_held_alone(workspace, mixed):
    campaign, _ = mixed

    freed = services.campaign_delete(workspace=workspace, campaign=campaign)

    assert freed == 1
    assert used(workspace) == 2
    assert_exact(workspace)


def test_removing_a_finished_contact_frees_nothing_and_a_live_one_frees_its_slot(workspace, mixed):
    campaign, (live, _, finished, finished_both) = mixed

    services.enrollments_remove(workspace=workspace, campaign=campaign, lead_ids=[finished.pk])
    assert used(workspace) == 3
    services.enrollments_remove(workspace=workspace, campaign=campaign, lead_ids=[finished_both.pk, live.pk])
    assert used(workspace) == 2
    assert_exact(workspace)


def test_deleting_a_contact_frees_a_slot_only_if_it_was_live(workspace, mixed):
    _, (live, _, finished, finished_both) = mixed

    assert services.lead_delete(workspace=workspace, lead=finished) == 0
    assert services.lead_delete(workspace=workspace, lead=finished_both) == 1  # live in the other one
    assert services.lead_delete(workspace=workspace, lead=live) == 1
    assert used(workspace) == 1
    assert_exact(workspace)


def test_contacts_in_no_campaign_include_those_whose_sequences_are_all_over(workspace, mixed):
    _, (_, _, finished, _) = mixed
    alone = LeadFactory(workspace=workspace)

    keys = lead_keys(workspace=workspace, in_no_campaign=True)

    assert {key["lead_id"] for key in keys} == {alone.pk, finished.pk}
    assert finished_leads_kept(workspace) == 1


# The CSV import


def test_an_import_enrolls_finished_contacts_of_other_campaigns_only_with_a_slot(workspace):
    target, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    here = LeadFactory(workspace=workspace, email="here@example.com")
    there = LeadFactory(workspace=workspace, email="there@example.com")
    live = LeadFactory(workspace=workspace, email="live@example.com")
    enroll(target, [here])
    enroll(other, [there, live])
    finish(target, [here])
    finish(other, [there])
    with_active_leads_limit(workspace, 2)
    assert used(workspace) == 1

    rows = [["Email"], ["here@example.com"], ["live@example.com"], ["there@example.com"], ["new@example.com"]]
    job = run_import(workspace, csv_text(rows), campaign=target)

    assert buckets(job) == {
        "created": 0,
        # live: active in another campaign, enrolled for free; there: its sequence elsewhere is over, so
        # it took the one free slot.
        "updated": 2,
        "already_in_campaign": 1,  # here: finished in this campaign, not enrolled twice
        "duplicates": 0,
        "invalid": 0,
        "over_limit": 1,  # new: no slot left, kept as a contact
        "suppressed": 0,
        "enrolled": 2,
    }
    assert status_of(target, here) == Status.REPLIED
    assert used(workspace) == 2
    assert_exact(workspace)


# Pause and resume one lead


def test_resuming_makes_the_next_step_due_now_and_forgets_refusals(workspace):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)
    enroll(campaign, [lead])
    Enrollment.objects.for_workspace(workspace).filter(lead=lead).update(attempts=5)
    services.enrollment_set_status(workspace=workspace, campaign=campaign, lead_id=lead.pk, status="paused")
    paused = Enrollment.objects.for_workspace(workspace).get(lead=lead)
    assert (paused.status, paused.next_send_at) == (Status.PAUSED, None)
    before = timezone.now()

    resumed = services.enrollment_set_status(
        workspace=workspace, campaign=campaign, lead_id=lead.pk, status="active"
    )

    assert (resumed.status, resumed.attempts) == (Status.ACTIVE, 0)
    assert before <= resumed.next_send_at <= timezone.now()
    assert used(workspace) == 1


@pytest.mark.parametrize("status", ["active", "paused"])
def test_a_finished_sequence_cannot_be_paused_or_resumed(workspace, status):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)
    enroll(campaign, [lead])
    finish(campaign, [lead], Status.COMPLETED)

    with pytest.raises(Conflict):
        services.enrollment_set_status(workspace=workspace, campaign=campaign, lead_id=lead.pk, status=status)

    assert status_of(campaign, lead) == Status.COMPLETED
    assert used(workspace) == 0


@pytest.mark.parametrize("status", ["completed", "replied", "", "ACTIVE"])
def test_only_paused_and_active_can_be_given(workspace, status):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)
    enroll(campaign, [lead])

    with pytest.raises(DomainError):
        services.enrollment_set_status(workspace=workspace, campaign=campaign, lead_id=lead.pk, status=status)

    assert status_of(campaign, lead) == Status.ACTIVE
    assert not Event.objects.for_workspace(workspace).exists()


# The Lead Finder


def test_the_lead_finder_gives_a_finished_contact_a_slot_elsewhere_and_none_in_its_own_campaign(workspace):
    CreditGrantFactory(workspace=workspace, amount=10)
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    prospects = make_prospects(2)
    ids = [prospect.pk for prospect in prospects]
    leadfinder_services.download_create(workspace=workspace, prospect_ids=ids, campaign=first)
    finish(first, Lead.objects.for_workspace(workspace))
    with_active_leads_limit(workspace, 1)
    assert used(workspace) == 0

    elsewhere = leadfinder_services.download_create(
        workspace=workspace, prospect_ids=ids, campaign=second, allow_partial=True
    )
    again = leadfinder_services.download_create(workspace=workspace, prospect_ids=ids, campaign=first)

    assert (elsewhere.charged, elsewhere.added_to_campaign, elsewhere.not_added_over_limit) == (0, 1, 1)
    assert (again.charged, again.already_in_campaign, again.not_added_over_limit) == (0, 2, 0)
    assert used(workspace) == 1
    assert_exact(workspace)
