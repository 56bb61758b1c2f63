import pytest
from django.http import Http404

from accounts.models import ApiKey, Membership
from core.tenancy import UnscopedQueryError
from tests.factories import UserFactory


def test_a_tenant_query_without_a_workspace_fails_loudly(workspace):
    with pytest.raises(UnscopedQueryError):
        list(ApiKey.objects.all())
    with pytest.raises(UnscopedQueryError):
        ApiKey.objects.filter(name="x")
    with pytest.raises(UnscopedQueryError):
        ApiKey.objects.for_workspace(None)


def test_creating_a_tenant_row_without_a_workspace_fails(db):
    with pytest.raises(UnscopedQueryError):
        Membership.objects.create(user=UserFactory())


def test_for_workspace_sees_only_that_workspace(workspace, other_workspace):
    mine = Membership.objects.for_workspace(workspace)
    assert mine.count() == 1
    assert all(m.workspace_id == workspace.pk for m in mine)


def test_another_workspaces_id_is_a_404_not_the_object(workspace, other_workspace):
    theirs = Membership.objects.for_workspace(other_workspace).get()
    with pytest.raises(Http404):
        Membership.objects.get_for_workspace_or_404(workspace, theirs.pk)
    assert Membership.objects.get_for_workspace_or_404(other_workspace, theirs.pk) == theirs


@pytest.mark.parametrize("bad_id", ["abc", None, -1, 10**12])
def test_malformed_or_unknown_ids_are_a_404(workspace, bad_id):
    with pytest.raises(Http404):
        Membership.objects.get_for_workspace_or_404(workspace, bad_id)
