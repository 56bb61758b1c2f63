"""Every endpoint that takes an object id answers 404 to another workspace's id, and changes nothing.

Each endpoint with an id joins by being listed once in CASES: how to make its object in a workspace,
and how to call it. The test makes the object in ``other_workspace`` and calls as an owner of
``workspace`` (so no role check can be what refuses), through the API or the dashboard.
"""

from dataclasses import dataclass, field

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from accounts import services as account_services
from accounts.models import Membership, Role
from tests.factories import MembershipFactory, owner_of


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: str  # "{id}" stands for the other workspace's object id
    make: object  # workspace -> model instance
    body: dict = field(default_factory=dict)
    api: bool = True  # False: a dashboard page, signed in by session


def _invitation(workspace):
    invitation, _ = account_services.invitation_create(
        workspace=workspace,
        email="invitee@example.com",
        role=Role.MEMBER,
        invited_by_membership=Membership.objects.for_workspace(workspace).get(role=Role.OWNER),
    )
    return invitation


def _member(workspace):
    return MembershipFactory(workspace=workspace, role=Role.MEMBER)


def _api_key(workspace):
    api_key, _ = account_services.api_key_create(
        workspace=workspace, name="theirs", created_by=owner_of(workspace)
    )
    return api_key


CASES = [
    Case(
        "dashboard: change a member's role",
        "post",
        "/settings/members/{id}/role/",
        _member,
        {"role": "admin"},
        api=False,
    ),
    Case("dashboard: remove a member", "post", "/settings/members/{id}/remove/", _member, api=False),
    Case(
        "dashboard: revoke an invitation",
        "post",
        "/settings/invitations/{id}/revoke/",
        _invitation,
        api=False,
    ),
    Case("dashboard: revoke an API key", "post", "/settings/api-keys/{id}/revoke/", _api_key, api=False),
]

def snapshot(obj):
    row = type(obj)._default_manager.filter(pk=obj.pk).first()
    return None if row is None else model_to_dict(row)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_another_workspaces_id_is_404_and_changes_nothing(case, workspace, other_workspace, api_client):
    theirs = case.make(other_workspace)
    before = snapshot(theirs)
    url = case.url.format(id=theirs.pk)

    if case.api:
        response = getattr(api_client, case.method)(url, case.body, format="json")
        assert response.json()["error"]["code"] == "not_found"
    else:
        client = Client()
        client.force_login(owner_of(workspace))
        response = getattr(client, case.method)(url, case.body)

    assert response.status_code == 404, f"{case.method.upper()} {url} answered {response.status_code}"
    assert snapshot(theirs) == before
