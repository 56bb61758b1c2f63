"""An enrollment, its campaign and its contact are of one workspace: the database refuses anything else
(the triggers of campaigns migration 0003), whatever code wrote the row."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from campaigns.models import Enrollment
from tests.factories import CampaignFactory, LeadFactory


def insert_enrollment(*, workspace_id, campaign_id, lead_id):
    """Straight SQL, past the services."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO campaigns_enrollment (workspace_id, campaign_id, lead_id, created_at) "
            "VALUES (%s, %s, %s, %s)",
            [workspace_id, campaign_id, lead_id, timezone.now()],
        )


def test_an_enrollment_of_one_workspace_is_accepted(workspace):
    campaign, lead = CampaignFactory(workspace=workspace), LeadFactory(workspace=workspace)

    insert_enrollment(workspace_id=workspace.pk, campaign_id=campaign.pk, lead_id=lead.pk)

    assert Enrollment.objects.for_workspace(workspace).filter(campaign=campaign, lead=lead).exists()


def test_a_contact_is_in_a_campaign_once_the_pair_being_the_enrollments_key(workspace):
    campaign, lead = CampaignFactory(workspace=workspace), LeadFactory(workspace=workspace)
    insert_enrollment(workspace_id=workspace.pk, campaign_id=campaign.pk, lead_id=lead.pk)

    with pytest.raises(IntegrityError, match="campaigns_enrollment_pkey"):
        insert_enrollment(workspace_id=workspace.pk, campaign_id=campaign.pk, lead_id=lead.pk)

    enrollment = Enrollment.objects.for_workspace(workspace).get()
    assert enrollment.pk == (campaign.pk, lead.pk)


@pytest.mark.parametrize("foreign", ["lead", "campaign"])
def test_another_workspaces_contact_or_campaign_is_refused(workspace, other_workspace, foreign):
    campaign, lead = CampaignFactory(workspace=workspace), LeadFactory(workspace=workspace)
    if foreign == "lead":
        lead = LeadFactory(workspace=other_workspace)
    else:
        campaign = CampaignFactory(workspace=other_workspace)

    with pytest.raises(IntegrityError, match=f"enrollment_{foreign}_in_workspace"):
        insert_enrollment(workspace_id=workspace.pk, campaign_id=campaign.pk, lead_id=lead.pk)

    assert not Enrollment.objects.for_workspace(workspace).exists()


def test_a_contact_in_a_campaign_cannot_be_deleted_behind_the_services_back(workspace):
    campaign, lead = CampaignFactory(workspace=workspace), LeadFactory(workspace=workspace)
    insert_enrollment(workspace_id=workspace.pk, campaign_id=campaign.pk, lead_id=lead.pk)

    refused = pytest.raises(IntegrityError, match="enrollment_lead_in_workspace")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM leads_lead WHERE id = %s", [lead.pk])


def test_an_enrollments_keys_and_a_contacts_workspace_are_never_changed(workspace, other_workspace):
    campaign, lead = CampaignFactory(workspace=workspace), LeadFactory(workspace=workspace)
    insert_enrollment(workspace_id=workspace.pk, campaign_id=campaign.pk, lead_id=lead.pk)

    for statement, params in (
        ("UPDATE campaigns_enrollment SET lead_id = lead_id + 1000", []),
        ("UPDATE leads_lead SET workspace_id = %s WHERE id = %s", [other_workspace.pk, lead.pk]),
        ("UPDATE campaigns_campaign SET workspace_id = %s WHERE id = %s", [other_workspace.pk, campaign.pk]),
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)


def test_a_set_of_enrollments_is_checked_as_a_whole(workspace, other_workspace):
    """One statement of many rows, one of them foreign: nothing of it is written."""
    campaign = CampaignFactory(workspace=workspace)
    ours = LeadFactory.create_batch(3, workspace=workspace)
    theirs = LeadFactory(workspace=other_workspace)

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO campaigns_enrollment (workspace_id, campaign_id, lead_id, created_at) "
            "SELECT %s, %s, unnest(%s::bigint[]), now()",
            [workspace.pk, campaign.pk, [lead.pk for lead in ours] + [theirs.pk]],
        )

    assert not Enrollment.objects.for_workspace(workspace).exists()
