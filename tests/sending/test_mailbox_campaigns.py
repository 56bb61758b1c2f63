"""A campaign's mailboxes: the ``mailboxes`` field sending adds to campaigns (campaigns.extensions), and
the start check: a campaign starts only with an active mailbox (rule 18)."""

import pytest
from rest_framework.exceptions import ValidationError

from campaigns.extensions import campaign_fields, start_checks
from core.errors import DomainError
from sending import selectors
from sending.models import CampaignMailbox, Mailbox
from tests.factories import CampaignFactory
from tests.sending.factories import make_mailbox

NO_MAILBOX = "Choose at least one active mailbox for this campaign before starting it."


@pytest.fixture
def field():
    return campaign_fields()["mailboxes"]


def test_writing_the_field_links_exactly_those_mailboxes_and_reading_lists_them(field, workspace):
    campaign = CampaignFactory(workspace=workspace)
    first, second, third = (make_mailbox(workspace, email=f"m{n}@example.com") for n in range(3))

    field.write(workspace=workspace, campaign=campaign, value=[third.pk, first.pk])
    assert field.read(campaign) == sorted([first.pk, third.pk])

    field.write(workspace=workspace, campaign=campaign, value=[second.pk, third.pk])
    assert field.read(campaign) == sorted([second.pk, third.pk])

    field.write(workspace=workspace, campaign=campaign, value=[])
    assert field.read(campaign) == []


def test_another_workspaces_or_an_unknown_mailbox_is_a_400_naming_the_ids_and_changes_nothing(
    field, workspace, other_workspace
):
    campaign = CampaignFactory(workspace=workspace)
    ours = make_mailbox(workspace)
    theirs = make_mailbox(other_workspace)
    field.write(workspace=workspace, campaign=campaign, value=[ours.pk])

    with pytest.raises(DomainError) as refused:
        field.write(workspace=workspace, campaign=campaign, value=[theirs.pk, 999_999])

    assert refused.value.status_code == 400
    assert refused.value.details["mailboxes"] == [
        f"No mailbox with id {theirs.pk}, 999999 in this workspace."
    ]
    assert field.read(campaign) == [ours.pk]


def test_the_field_is_a_list_of_ids(field):
    serializer_field = field.field()

    assert serializer_field.run_validation([3, 1]) == [3, 1]
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        serializer_field.run_validation([0])


def test_a_campaign_starts_only_with_an_active_mailbox(workspace):
    (check,) = [check for check in start_checks() if check is selectors.campaign_start_problem]
    campaign = CampaignFactory(workspace=workspace)
    assert check(workspace=workspace, campaign=campaign) == NO_MAILBOX

    mailbox = make_mailbox(workspace)
    CampaignMailbox.objects.create(workspace=workspace, campaign=campaign, mailbox=mailbox)
    assert check(workspace=workspace, campaign=campaign) == ""

    for status in (Mailbox.Status.PAUSED, Mailbox.Status.ERROR):
        Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).update(status=status)
        assert check(workspace=workspace, campaign=campaign) == NO_MAILBOX


def test_an_active_mailbox_of_another_campaign_does_not_count(workspace):
    campaign, other = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    CampaignMailbox.objects.create(workspace=workspace, campaign=other, mailbox=make_mailbox(workspace))

    assert selectors.campaign_start_problem(workspace=workspace, campaign=campaign) == NO_MAILBOX
