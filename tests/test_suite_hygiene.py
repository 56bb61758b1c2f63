"""The suite itself: no test writes under var/, CI replays the same Hypothesis examples every run, and the
check that bad input changed nothing does see changes."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from hypothesis import settings as hypothesis_settings

from accounts import services as account_services
from campaigns import services
from tests.billing.factories import debit_credits, take_slots
from tests.conftest import CI
from tests.factories import CampaignFactory, LeadFactory
from tests.unchanged import nothing_changes


def test_a_stored_file_lands_in_the_tests_own_folder_not_under_var(settings, tmp_path):
    name = default_storage.save("imports/probe.csv", ContentFile(b"Email\n"))

    stored = Path(default_storage.path(name)).resolve()
    assert stored.is_relative_to(tmp_path.resolve())
    assert not stored.is_relative_to(Path(settings.VAR_DIR).resolve())


def test_the_ci_profile_replays_the_same_examples_and_keeps_no_example_database():
    ci = hypothesis_settings.get_profile("ci")

    assert (ci.derandomize, ci.database) == (True, None)
    assert ci.deadline.total_seconds() >= 1
    assert hypothesis_settings.default.derandomize is CI


@pytest.mark.parametrize(
    "change",
    [
        lambda workspace: LeadFactory(workspace=workspace),
        lambda workspace: services.campaign_rename(
            workspace=workspace, campaign=CampaignFactory(workspace=workspace), name="Renamed"
        ),
        lambda workspace: take_slots(workspace, 1),
        lambda workspace: debit_credits(workspace, 1),
        lambda workspace: account_services.workspace_rename(workspace=workspace, name="Renamed"),
    ],
    ids=["a new contact", "a renamed campaign", "a slot taken", "a credit spent", "a renamed workspace"],
)
def test_nothing_changes_sees_every_kind_of_change(workspace, change):
    with pytest.raises(AssertionError, match="bad input changed something"), nothing_changes():
        change(workspace)
