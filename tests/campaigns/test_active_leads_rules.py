"""Rules 1-4 and 12: contacts in campaigns under the active-leads ceiling, through campaigns.services."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from campaigns import services
from campaigns.models import Campaign, Enrollment
from campaigns.selectors import active_leads_used_by_enrollments
from core.errors import Conflict, DomainError
from core.tenancy import UnscopedQueryError
from leads.models import Lead
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, add_step, enroll, give_a_mailbox
from tests.unchanged import nothing_changes

Status = Campaign.Status


def active_leads(workspace):
    return billing_selectors.usage_for_workspace(workspace=workspace)["active_leads"]


def used(workspace):
    return active_leads(workspace)["used"]


def lead_count(campaign):
    return Campaign.objects.for_workspace(campaign.workspace).get(pk=campaign.pk).lead_count


def enrolled_ids(campaign):
    return set(
        Enrollment.objects.for_workspace(campaign.workspace)
        .filter(campaign=campaign)
        .values_list("lead_id", flat=True)
    )


def new_leads(count, prefix="new"):
    return [{"email": f"{prefix}{number}@example.com"} for number in range(count)]


def add_data(campaign, data, *, allow_partial=False):
    return services.enrollments_add(
        workspace=campaign.workspace, campaign=campaign, leads=data, allow_partial=allow_partial
    )


def assert_counter_is_true(workspace):
    assert used(workspace) == active_leads_used_by_enrollments(workspace)
    assert billing_services.quota_audit(workspace=workspace) == []


@pytest.fixture
def growth(db):
    """A workspace on Growth: 1,200 active leads."""
    return WorkspaceFactory(plan_code="growth")


# Rule 1: used = distinct contacts in at least one campaign that is not archived.


def test_one_contact_in_three_campaigns_uses_one_active_lead_slot(workspace):
    lead = LeadFactory(workspace=workspace)
    for _ in range(3):
        enroll(CampaignFactory(workspace=workspace), [lead])

    assert active_leads(workspace) == {"limit": 250, "used": 1, "available": 249}
    assert_counter_is_true(workspace)


def test_used_counts_distinct_contacts_across_campaigns(workspace):
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(5, workspace=workspace)
    enroll(first, leads[:3])
    enroll(second, leads[2:])

    assert used(workspace) == 5
    assert (lead_count(first), lead_count(second)) == (3, 3)
    assert_counter_is_true(workspace)


def test_live_enrollments_are_those_in_campaigns_not_archived_and_need_a_workspace(workspace):
    live, archived = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    first, second = LeadFactory.create_batch(2, workspace=workspace)
    enroll(live, [first])
    enroll(archived, [first, second])
    services.campaign_set_status(workspace=workspace, campaign=archived, status=Status.ARCHIVED)

    rows = (
        Enrollment.objects.for_workspace(workspace)
        .live(release_finished=True)
        .values_list("campaign_id", "lead_id")
    )

    assert list(rows) == [(live.pk, first.pk)]
    with pytest.raises(UnscopedQueryError):
        Enrollment.objects.live(release_finished=True)


def test_audit_quotas_recounts_used_from_the_enrollments(workspace):
    enroll(CampaignFactory(workspace=workspace), LeadFactory.create_batch(2, workspace=workspace))
    call_command("audit_quotas")

    # A drifted counter (no service drifts it: a hand edit of the row does) is found and repaired.
    Quota.objects.for_workspace(workspace).update(active_leads_used=F("active_leads_used") + 5)
    with pytest.raises(CommandError, match="1 difference"):
        call_command("audit_quotas")
    with pytest.raises(CommandError):
        call_command("audit_quotas", "--fix")

    assert used(workspace) == 2
    call_command("audit_quotas")


# Rule 2: every status but archived counts; every way out frees the slot at once.


@pytest.mark.parametrize("status", [Status.DRAFT, Status.ACTIVE, Status.PAUSED, Status.COMPLETED])
def test_every_campaign_status_but_archived_counts(workspace, status):
    campaign = CampaignFactory(workspace=workspace, status=status)
    enroll(campaign, LeadFactory.create_batch(2, workspace=workspace))
    assert used(workspace) == 2

    services.campaign_set_status(workspace=workspace, campaign=campaign, status=Status.ARCHIVED)
    assert used(workspace) == 0


def test_moving_between_live_statuses_changes_no_slots(workspace):
    campaign = CampaignFactory(workspace=workspace)
    add_step(campaign)
    give_a_mailbox(campaign)
    enroll(campaign, LeadFactory.create_batch(2, workspace=workspace))

    for status in (Status.ACTIVE, Status.PAUSED, Status.COMPLETED, Status.DRAFT):
        _, change = services.campaign_set_status(workspace=workspace, campaign=campaign, status=status)
        assert change == 0
    assert used(workspace) == 2


def test_removing_a_contact_from_its_last_campaign_frees_its_slot_at_once(workspace):
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    shared, only_first = LeadFactory(workspace=workspace), LeadFactory(workspace=workspace)
    enroll(first, [shared, only_first])
    enroll(second, [shared])

    removed = services.enrollments_remove(
        workspace=workspace, campaign=first, lead_ids=[shared.pk, only_first.pk]
    )

    assert removed == 2
    assert used(workspace) == 1  # shared is still in the second campaign
    assert enrolled_ids(first) == set()
    assert lead_count(first) == 0
    services.enrollments_remove(workspace=workspace, campaign=second, lead_ids=[shared.pk])
    assert used(workspace) == 0
    assert_counter_is_true(workspace)


def test_removing_ids_the_campaign_does_not_have_removes_and_frees_nothing(workspace, other_workspace):
    campaign = CampaignFactory(workspace=workspace)
    enroll(campaign, [LeadFactory(workspace=workspace)])
    theirs = LeadFactory(workspace=other_workspace)

    removed = services.enrollments_remove(
        workspace=workspace, campaign=campaign, lead_ids=[theirs.pk, 999_999]
    )

    assert removed == 0
    assert used(workspace) == 1


def test_deleting_a_contact_frees_its_slot_and_leaves_its_campaigns(workspace):
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    lead, other = LeadFactory.create_batch(2, workspace=workspace)
    enroll(first, [lead, other])
    enroll(second, [lead])

    freed = services.lead_delete(workspace=workspace, lead=lead)

    assert freed == 1
    assert used(workspace) == 1
    assert (lead_count(first), lead_count(second)) == (1, 0)
    assert not Lead.objects.for_workspace(workspace).filter(pk=lead.pk).exists()
    assert_counter_is_true(workspace)


def test_deleting_a_contact_in_no_live_campaign_frees_nothing(workspace):
    archived = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace)
    enroll(archived, [lead])
    services.campaign_set_status(workspace=workspace, campaign=archived, status=Status.ARCHIVED)

    assert services.lead_delete(workspace=workspace, lead=lead) == 0
    assert lead_count(archived) == 0
    assert_counter_is_true(workspace)


def test_archiving_frees_the_slots_of_contacts_in_no_other_live_campaign(workspace):
    archived, live = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(4, workspace=workspace)
    enroll(archived, leads)
    enroll(live, leads[:1])

    campaign, change = services.campaign_set_status(
        workspace=workspace, campaign=archived, status=Status.ARCHIVED
    )

    assert campaign.status == Status.ARCHIVED
    assert change == -3
    assert used(workspace) == 1
    assert lead_count(archived) == 4  # archiving keeps the contacts in the campaign
    assert_counter_is_true(workspace)


def test_deleting_a_campaign_frees_its_slots_and_keeps_its_contacts(workspace):
    doomed, live = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(doomed, leads)
    enroll(live, leads[:1])

    assert services.campaign_delete(workspace=workspace, campaign=doomed) == 2

    assert used(workspace) == 1
    assert not Campaign.objects.for_workspace(workspace).filter(pk=doomed.pk).exists()
    assert Lead.objects.for_workspace(workspace).count() == 3
    assert_counter_is_true(workspace)


def test_deleting_an_archived_campaign_frees_nothing_more(workspace):
    campaign = CampaignFactory(workspace=workspace)
    enroll(campaign, LeadFactory.create_batch(2, workspace=workspace))
    services.campaign_set_status(workspace=workspace, campaign=campaign, status=Status.ARCHIVED)

    assert services.campaign_delete(workspace=workspace, campaign=campaign) == 0
    assert_counter_is_true(workspace)


def test_unarchiving_takes_back_the_slots_of_contacts_in_no_other_live_campaign(workspace):
    campaign, live = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(3, workspace=workspace)
    enroll(campaign, leads)
    services.campaign_set_status(workspace=workspace, campaign=campaign, status=Status.ARCHIVED)
    enroll(live, leads[:1])

    campaign, change = services.campaign_set_status(
        workspace=workspace, campaign=campaign, status=Status.PAUSED
    )

    assert (campaign.status, change) == (Status.PAUSED, 2)
    assert used(workspace) == 3
    assert_counter_is_true(workspace)


def test_unarchiving_what_does_not_fit_is_refused_and_the_campaign_stays_archived(workspace):
    campaign, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    add_data(campaign, new_leads(200, "a"))
    services.campaign_set_status(workspace=workspace, campaign=campaign, status=Status.ARCHIVED)
    add_data(other, new_leads(100, "b"))

    with pytest.raises(ActiveLeadsLimitReached) as refusal:
        services.campaign_set_status(workspace=workspace, campaign=campaign, status=Status.ACTIVE)

    assert refusal.value.details == {"requested": 200, "available": 150, "limit": 250}
    assert lead_count(campaign) == 200
    assert Campaign.objects.for_workspace(workspace).get(pk=campaign.pk).status == Status.ARCHIVED
    assert used(workspace) == 100


# Rule 3: nothing makes used > limit; what does not fit is refused or, when asked, reported.


def test_adding_beyond_the_limit_adds_nothing_creates_no_contacts_and_says_how_many_fit(workspace):
    campaign = CampaignFactory(workspace=workspace)
    add_data(campaign, new_leads(240, "first"))
    existing = LeadFactory.create_batch(5, workspace=workspace)

    with nothing_changes(), pytest.raises(ActiveLeadsLimitReached) as refusal:
        services.enrollments_add(
            workspace=workspace,
            campaign=campaign,
            lead_ids=[lead.pk for lead in existing],
            leads=new_leads(10, "second"),
        )

    assert refusal.value.status_code == 402
    assert refusal.value.code == "active_leads_limit_reached"
    assert refusal.value.details == {"requested": 15, "available": 10, "limit": 250}
    assert used(workspace) == 240
    assert lead_count(campaign) == 240
    assert not Lead.objects.for_workspace(workspace).filter(email__startswith="second").exists()


def test_the_worked_example_1500_requested_1200_free(growth):
    campaign = CampaignFactory(workspace=growth)
    prospects = new_leads(1_500, "prospect")

    with pytest.raises(ActiveLeadsLimitReached) as refusal:
        add_data(campaign, prospects)
    assert refusal.value.details == {"requested": 1_500, "available": 1_200, "limit": 1_200}
    assert Lead.objects.for_workspace(growth).count() == 0

    result = add_data(campaign, prospects, allow_partial=True)

    assert (result.added, result.not_added_over_limit) == (1_200, 300)
    assert active_leads(growth) == {"limit": 1_200, "used": 1_200, "available": 0}
    # The 300 that did not fit are kept as contacts, named by id, and are the last 300 of the request.
    not_added = Lead.objects.for_workspace(growth).filter(pk__in=result.not_added_lead_ids)
    assert sorted(not_added.values_list("email", flat=True)) == sorted(p["email"] for p in prospects[1_200:])
    assert_counter_is_true(growth)


def test_partial_adds_contacts_already_active_elsewhere_for_free_and_new_ones_in_request_order(workspace):
    elsewhere, campaign = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    add_data(elsewhere, new_leads(248, "busy"))
    busy = list(Lead.objects.for_workspace(workspace).order_by("id")[:3])
    idle = LeadFactory.create_batch(4, workspace=workspace)
    order = [idle[0], busy[0], idle[1], busy[1], idle[2], busy[2], idle[3]]

    result = enroll(campaign, order, allow_partial=True)

    assert result.added_lead_ids == [idle[0].pk, busy[0].pk, idle[1].pk, busy[1].pk, busy[2].pk]
    assert result.not_added_lead_ids == [idle[2].pk, idle[3].pk]
    assert active_leads(workspace) == {"limit": 250, "used": 250, "available": 0}
    assert_counter_is_true(workspace)


def test_contacts_already_active_elsewhere_are_added_even_at_the_limit(workspace):
    elsewhere, campaign = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    add_data(elsewhere, new_leads(250))

    result = enroll(campaign, Lead.objects.for_workspace(workspace).order_by("id")[:10])

    assert result.added == 10
    assert used(workspace) == 250


def test_every_item_lands_in_exactly_one_bucket(workspace, other_workspace):
    campaign = CampaignFactory(workspace=workspace)
    inside, outside = LeadFactory(workspace=workspace), LeadFactory(workspace=workspace)
    enroll(campaign, [inside])
    theirs = LeadFactory(workspace=other_workspace)

    result = services.enrollments_add(
        workspace=workspace,
        campaign=campaign,
        lead_ids=[inside.pk, theirs.pk, outside.pk, outside.pk],
        leads=[
            {"email": "not-an-email"},
            {"email": outside.email.upper()},
            {"email": "New.Person@Example.com", "first_name": "New"},
            {"email": inside.email, "first_name": "Ignored"},
        ],
    )

    created = Lead.objects.for_workspace(workspace).get(email="new.person@example.com")
    assert result.added_lead_ids == [outside.pk, created.pk]
    assert result.already_in_campaign_lead_ids == [inside.pk]
    assert [(item["field"], item["index"], item["reason"]) for item in result.invalid_items] == [
        ("lead_ids", 1, "No lead with this id."),
        ("lead_ids", 3, "Listed more than once in this request."),
        ("leads", 0, result.invalid_items[2]["reason"]),
        ("leads", 1, "Listed more than once in this request."),
        ("leads", 3, "Listed more than once in this request."),
    ]
    assert result.invalid_items[1]["lead_id"] == outside.pk
    assert "not a valid email address" in result.invalid_items[2]["reason"]
    assert result.added + result.already_in_campaign + result.invalid + result.not_added_over_limit == 8
    assert created.source == Lead.Source.API


def test_an_email_the_workspace_already_has_enrolls_that_contact_unchanged(workspace):
    campaign = CampaignFactory(workspace=workspace)
    lead = LeadFactory(workspace=workspace, first_name="Ada")

    result = add_data(campaign, [{"email": f"  {lead.email.upper()} ", "first_name": "Someone else"}])

    assert result.added_lead_ids == [lead.pk]
    assert Lead.objects.for_workspace(workspace).get(pk=lead.pk).first_name == "Ada"
    assert Lead.objects.for_workspace(workspace).count() == 1


def test_adding_nothing_is_refused(workspace):
    with pytest.raises(DomainError, match="lead_ids and/or leads"):
        services.enrollments_add(workspace=workspace, campaign=CampaignFactory(workspace=workspace))


def test_an_archived_campaign_takes_no_contacts(workspace):
    campaign = CampaignFactory(workspace=workspace, status=Status.ARCHIVED)

    with pytest.raises(Conflict, match="archived"):
        add_data(campaign, new_leads(1))
    assert Lead.objects.for_workspace(workspace).count() == 0


# Rule 4: a downgrade below used deletes nothing and blocks adding until used < limit.


def test_after_a_downgrade_below_used_nothing_is_deleted_and_adding_is_blocked_until_under_the_limit(growth):
    campaign = CampaignFactory(workspace=growth)
    add_data(campaign, new_leads(300))

    billing_services.subscription_set_plan(workspace=growth, plan_code="trial")

    assert active_leads(growth) == {"limit": 250, "used": 300, "available": 0}
    assert lead_count(campaign) == 300
    with pytest.raises(ActiveLeadsLimitReached) as refusal:
        add_data(campaign, new_leads(1, "late"))
    assert refusal.value.details == {"requested": 1, "available": 0, "limit": 250}

    ids = sorted(enrolled_ids(campaign))
    services.enrollments_remove(workspace=growth, campaign=campaign, lead_ids=ids[:50])
    with pytest.raises(ActiveLeadsLimitReached):
        add_data(campaign, new_leads(1, "late"))

    services.enrollments_remove(workspace=growth, campaign=campaign, lead_ids=ids[50:51])
    assert add_data(campaign, new_leads(1, "late")).added == 1
    assert active_leads(growth) == {"limit": 250, "used": 250, "available": 0}
    assert_counter_is_true(growth)


# Rule 12: the quota row is locked before anything else.


def _first_data_query(queries):
    return next(q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN")))


@pytest.mark.parametrize(
    "change",
    [
        lambda ws, campaign, lead: services.enrollments_add(
            workspace=ws, campaign=campaign, lead_ids=[lead.pk]
        ),
        lambda ws, campaign, lead: services.enrollments_remove(
            workspace=ws, campaign=campaign, lead_ids=[lead.pk]
        ),
        lambda ws, campaign, lead: services.campaign_set_status(
            workspace=ws, campaign=campaign, status="archived"
        ),
        lambda ws, campaign, lead: services.campaign_delete(workspace=ws, campaign=campaign),
        lambda ws, campaign, lead: services.lead_delete(workspace=ws, lead=lead),
    ],
    ids=["add", "remove", "archive", "delete campaign", "delete lead"],
)
def test_every_enrollment_change_locks_the_quota_row_first(workspace, change):
    campaign, lead = CampaignFactory(workspace=workspace), LeadFactory(workspace=workspace)

    with CaptureQueriesContext(connection) as captured:
        change(workspace, campaign, lead)

    first = _first_data_query(captured.captured_queries)
    assert first.startswith("SELECT") and 'FROM "billing_quota"' in first
    assert first.rstrip().endswith("FOR UPDATE")
