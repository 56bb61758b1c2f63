"""The same values suppressed at once by several requests (two unsubscribes of one address, an upload and
a bounce) end up on the list once, and every request answers the entry."""

import pytest

from leads.models import Suppression
from leads.services import suppression_add
from tests.concurrency.threads import run_together
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_adding_the_same_values_at_once_adds_each_once_and_answers_it_to_all():
    workspace = WorkspaceFactory()
    values = ["jane@example.com", "example.org", *(f"p{n}@example.com" for n in range(200))]

    outcomes = run_together([lambda: suppression_add(workspace=workspace, values=values) for _ in range(4)])

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert Suppression.objects.for_workspace(workspace).count() == len(values)
    assert sum(len(outcome.added) for outcome in outcomes) == len(values)
    assert all(len(outcome.added) + len(outcome.already) == len(values) for outcome in outcomes)
