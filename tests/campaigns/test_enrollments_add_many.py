"""enrollments_add_many gives enrollments_add's answers, item for item, and leaves the same state: the same
slots taken, the same enrollments, the same refusals. enrollments_add resolves its items (ids, data) to
contacts and hands them to enrollments_add_many, the import's and the Lead Finder's door; this holds
their two readings of a list of ids (unknown, foreign, repeated) to one answer."""

from dataclasses import asdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import Quota
from campaigns import services
from campaigns.models import Campaign, Enrollment
from config.errors import DomainError
from tests.campaigns.import_helpers import with_active_leads_limit
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, enroll

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


@given(
    limit=st.integers(0, LEADS),
    status=st.sampled_from([Campaign.Status.DRAFT, Campaign.Status.ACTIVE, Campaign.Status.ARCHIVED]),
    in_target=st.sets(st.integers(0, LEADS - 1)),
    elsewhere=st.sets(st.integers(0, LEADS - 1)),
    in_archived=st.sets(st.integers(0, LEADS - 1)),
    request=st.lists(st.integers(UNKNOWN, LEADS - 1), min_size=1, max_size=12),
    allow_partial=st.booleans(),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_enrollments_add_many_answers_as_enrollments_add(
    db, limit, status, in_target, elsewhere, in_archived, request, allow_partial
):
    workspace = with_active_leads_limit(WorkspaceFactory(), 100)
    leads = [LeadFactory(workspace=workspace, email=f"lead{number}@example.com") for number in range(LEADS)]
    target, live, archived = (CampaignFactory(workspace=workspace) for _ in range(3))
    for campaign, members in ((target, in_target), (live, elsewhere), (archived, in_archived)):
        if members:
            enroll(campaign, [leads[number] for number in sorted(members)])
    services.campaign_set_status(workspace=workspace, campaign=archived, status=Campaign.Status.ARCHIVED)
    if status != target.status:
        services.campaign_set_status(workspace=workspace, campaign=target, status=status)
    with_active_leads_limit(workspace, limit)
    theirs = LeadFactory(workspace=WorkspaceFactory()).pk
    lead_ids = [theirs if number == UNKNOWN else leads[number].pk for number in request]

    def one_by_one():
        return services.enrollments_add(
            workspace=workspace, campaign=target, lead_ids=lead_ids, allow_partial=allow_partial
        )

    def set_based():
        return services.enrollments_add_many(
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

    expected = outcome(workspace, target, one_by_one)
    assert outcome(workspace, target, set_based) == expected
    assert outcome(workspace, target, set_based_told_created) == expected


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
