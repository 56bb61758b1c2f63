"""enrollments_add_many answers by the rules, item for item, and leaves what they say: the slots taken, the
enrollments, the refusals. The rules are written out below as a small model that reads only the test's
own sets (who is in which campaign, the limit, the request); the service, enrollments_add (which resolves
its items and hands them to enrollments_add_many) and the import's way in (told which contacts it has just
created) are each held to it, including their readings of unknown, foreign and repeated ids."""

from dataclasses import asdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from campaigns import services
from campaigns.models import Campaign, Enrollment
from core.errors import Conflict, DomainError
from tests.campaigns.import_helpers import with_active_leads_limit
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, add_step, enroll, give_a_mailbox

LEADS = 8
UNKNOWN = -1  # stands for an id of another workspace's contact


def outcome(workspace, campaign, add):
    """What ``add()`` answers and leaves, undone afterwards."""
    with transaction.atomic():
        try:
            answer = asdict(add())
        except DomainError as exc:
            answer = (type(exc), exc.details)
        state = (
            Quota.objects.for_workspace(workspace).get().active_leads_used,
            Campaign.objects.for_workspace(workspace).get(pk=campaign.pk).lead_count,
            sorted(Enrollment.objects.for_workspace(workspace).values_list("campaign_id", "lead_id")),
        )
        transaction.set_rollback(True)
    return answer, state


def by_the_rules(*, ids, theirs, campaigns, members, target_archived, limit, request, allow_partial):
    """Rules 1-3 for adding ``request`` (lead numbers; UNKNOWN for another workspace's contact) to the
    target campaign, worked out from the sets alone: the answer and (active leads used, the target's
    lead count, every enrollment as (campaign id, lead id)) afterwards.

    ``campaigns`` and ``members`` are (target, live, archived): the campaigns and the lead numbers in each.
    """
    target, (in_target, elsewhere, _) = campaigns[0], members
    enrollments = [
        (campaign.pk, ids[n]) for campaign, numbers in zip(campaigns, members, strict=True) for n in numbers
    ]
    active = set(elsewhere) if target_archived else set(elsewhere) | set(in_target)
    before = (len(active), len(in_target), sorted(enrollments))
    if target_archived:
        return (Conflict, {"status": "archived"}), before

    answer = {
        "added_lead_ids": [],
        "already_in_campaign_lead_ids": [],
        "invalid_items": [],
        "not_added_lead_ids": [],
        "suppressed_lead_ids": [],
        "warnings": [],
    }
    wanted = []
    for index, number in enumerate(request):
        reason = (
            "No lead with this id."
            if number == UNKNOWN
            else "Listed more than once in this request."
            if number in wanted
            else ""
        )
        if reason:
            lead_id = theirs if number == UNKNOWN else ids[number]
            answer["invalid_items"].append(
                {"field": "lead_ids", "index": index, "lead_id": lead_id, "reason": reason}
            )
        else:
            wanted.append(number)
    needing_a_slot = [number for number in wanted if number not in active]
    available = max(0, limit - len(active))
    if len(needing_a_slot) > available and not allow_partial:
        refusal = {"requested": len(needing_a_slot), "available": available, "limit": limit}
        return (ActiveLeadsLimitReached, refusal), before
    fitting = needing_a_slot[:available]  # in request order
    for number in wanted:
        if number in in_target:
            answer["already_in_campaign_lead_ids"].append(ids[number])
        elif number in active or number in fitting:
            answer["added_lead_ids"].append(ids[number])
        else:
            answer["not_added_lead_ids"].append(ids[number])
    added = answer["added_lead_ids"]
    after = (
        len(active) + len(fitting),
        len(in_target) + len(added),
        sorted(enrollments + [(target.pk, lead_id) for lead_id in added]),
    )
    return answer, after


@given(
    spare=st.integers(-2, 4),  # slots free besides those in use; below 0, a downgrade left too few
    status=st.sampled_from([Campaign.Status.DRAFT, Campaign.Status.ACTIVE, Campaign.Status.ARCHIVED]),
    in_target=st.sets(st.integers(0, LEADS - 1)),
    elsewhere=st.sets(st.integers(0, LEADS - 1)),
    in_archived=st.sets(st.integers(0, LEADS - 1)),
    request=st.lists(st.integers(UNKNOWN, LEADS - 1), min_size=1, max_size=12),
    allow_partial=st.booleans(),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_enrollments_add_many_answers_by_the_rules(
    db, spare, status, in_target, elsewhere, in_archived, request, allow_partial
):
    workspace = with_active_leads_limit(WorkspaceFactory(), 100)
    leads = [LeadFactory(workspace=workspace, email=f"lead{number}@example.com") for number in range(LEADS)]
    target, live, archived = (CampaignFactory(workspace=workspace) for _ in range(3))
    add_step(target)
    give_a_mailbox(target)
    for campaign, members in ((target, in_target), (live, elsewhere), (archived, in_archived)):
        if members:
            enroll(campaign, [leads[number] for number in sorted(members)])
    services.campaign_set_status(workspace=workspace, campaign=archived, status=Campaign.Status.ARCHIVED)
    if status != target.status:
        services.campaign_set_status(workspace=workspace, campaign=target, status=status)
    in_use = elsewhere if status == Campaign.Status.ARCHIVED else elsewhere | in_target
    limit = max(0, len(in_use) + spare)
    with_active_leads_limit(workspace, limit)
    theirs = LeadFactory(workspace=WorkspaceFactory()).pk
    lead_ids = [theirs if number == UNKNOWN else leads[number].pk for number in request]
    expected = by_the_rules(
        ids=[lead.pk for lead in leads],
        theirs=theirs,
        campaigns=(target, live, archived),
        members=(in_target, elsewhere, in_archived),
        target_archived=status == Campaign.Status.ARCHIVED,
        limit=limit,
        request=request,
        allow_partial=allow_partial,
    )

    def set_based():
        return services.enrollments_add_many(
            workspace=workspace, campaign=target, lead_ids=lead_ids, allow_partial=allow_partial
        )

    def one_by_one():
        return services.enrollments_add(
            workspace=workspace, campaign=target, lead_ids=lead_ids, allow_partial=allow_partial
        )

    # An import tells which contacts it has just created (in no campaign yet): they are not looked up,
    # and the answer is the same.
    unenrolled = set(range(LEADS)) - in_target - elsewhere - in_archived
    created = [leads[number].pk for number in sorted(unenrolled)]

    def set_based_told_created():
        return services.enrollments_add_many(
            workspace=workspace,
            campaign=target,
            lead_ids=lead_ids,
            allow_partial=allow_partial,
            created_lead_ids=created,
        )

    assert outcome(workspace, target, set_based) == expected
    assert outcome(workspace, target, set_based_told_created) == expected
    assert outcome(workspace, target, one_by_one) == expected


def test_a_worked_example_of_every_bucket(workspace):
    """Limit 3, one contact in the campaign, one active elsewhere: 1 slot used by each, 1 free."""
    with_active_leads_limit(workspace, 3)
    inside, elsewhere, first, second = LeadFactory.create_batch(4, workspace=workspace)
    campaign, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    enroll(campaign, [inside])
    enroll(other, [elsewhere])
    theirs = LeadFactory(workspace=WorkspaceFactory()).pk
    request = [inside.pk, second.pk, elsewhere.pk, theirs, second.pk, first.pk]

    result = services.enrollments_add_many(
        workspace=workspace, campaign=campaign, lead_ids=request, allow_partial=True
    )

    assert result.already_in_campaign_lead_ids == [inside.pk]
    assert result.added_lead_ids == [second.pk, elsewhere.pk]  # second takes the free slot
    assert result.not_added_lead_ids == [first.pk]
    assert [(item["index"], item["reason"]) for item in result.invalid_items] == [
        (3, "No lead with this id."),
        (4, "Listed more than once in this request."),
    ]
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == 3
    campaign.refresh_from_db()
    assert campaign.lead_count == 3


def test_it_adds_thousands_in_one_call_in_request_order(workspace):
    with_active_leads_limit(workspace, 1_500)
    campaign = CampaignFactory(workspace=workspace)
    LeadFactory._meta.model.objects.bulk_create(
        LeadFactory.build(workspace=workspace, email=f"n{number}@example.com") for number in range(2_000)
    )
    ids = list(
        LeadFactory._meta.model.objects.for_workspace(workspace).order_by("-id").values_list("pk", flat=True)
    )

    result = services.enrollments_add_many(
        workspace=workspace, campaign=campaign, lead_ids=ids, allow_partial=True
    )

    assert result.added_lead_ids == ids[:1_500]
    assert result.not_added_lead_ids == ids[1_500:]
    campaign.refresh_from_db()
    assert campaign.lead_count == 1_500
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == 1_500


def test_it_needs_contacts_to_add(workspace):
    with pytest.raises(DomainError):
        services.enrollments_add_many(
            workspace=workspace, campaign=CampaignFactory(workspace=workspace), lead_ids=[]
        )
