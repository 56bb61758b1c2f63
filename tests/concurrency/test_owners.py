"""A workspace keeps at least one owner when its two owners demote or remove each other at once."""

import pytest

from accounts import services
from accounts.models import Membership, Role
from core.errors import DomainError
from tests.concurrency.threads import run_together
from tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("change", ["demote", "remove"])
def test_two_owners_taking_each_other_out_at_once_leave_one_owner(change):
    workspace = WorkspaceFactory()
    first = Membership.objects.for_workspace(workspace).get(role=Role.OWNER)
    second = MembershipFactory(workspace=workspace, role=Role.OWNER)

    def take_out(acting, other):
        if change == "demote":
            return lambda: services.membership_change_role(
                workspace=workspace, membership_id=other.pk, role=Role.MEMBER, acting_membership=acting
            )
        return lambda: services.membership_remove(
            workspace=workspace, membership_id=other.pk, acting_membership=acting
        )

    outcomes = run_together([take_out(first, second), take_out(second, first)])

    refused = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert len(refused) == 1
    assert refused[0].message == "A workspace needs at least one owner."
    assert Membership.objects.for_workspace(workspace).filter(role=Role.OWNER).count() == 1
