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
from leadfinder import services as leadfinder_services
from tests.campaigns.import_helpers import start_import
from tests.factories import CampaignFactory, LeadFactory, MembershipFactory, enroll, make_prospects, owner_of


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


def _enrolled_lead(workspace):
    lead = LeadFactory(workspace=workspace)
    enroll(CampaignFactory(workspace=workspace), [lead])
    return lead


def _campaign_with_a_lead(workspace):
    campaign = CampaignFactory(workspace=workspace)
    enroll(campaign, [LeadFactory(workspace=workspace)])
    return campaign


def _leadfinder_download(workspace):
    return leadfinder_services.download_create(
        workspace=workspace, prospect_ids=[prospect.pk for prospect in make_prospects(1)]
    )


def _import(workspace):
    return start_import(workspace, "Email\nann@example.com\n", campaign=CampaignFactory(workspace=workspace))


def _import_draft(workspace):
    return start_import(workspace, "Email\nann@example.com\n", draft=True)


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
    Case("api: a Lead Finder download", "get", "/api/v1/leadfinder/downloads/{id}", _leadfinder_download),
    Case(
        "api: a Lead Finder download's file",
        "get",
        "/api/v1/leadfinder/downloads/{id}/file.csv",
        _leadfinder_download,
    ),
    Case(
        "dashboard: a Lead Finder download's file",
        "get",
        "/lead-finder/downloads/{id}/file.csv",
        _leadfinder_download,
        api=False,
    ),
    Case("api: read a lead", "get", "/api/v1/leads/{id}", _enrolled_lead),
    Case("api: edit a lead", "patch", "/api/v1/leads/{id}", _enrolled_lead, {"first_name": "Mallory"}),
    Case("api: delete a lead", "delete", "/api/v1/leads/{id}", _enrolled_lead),
    Case(
        "api: list leads of a campaign by filter", "get", "/api/v1/leads?campaign={id}", _campaign_with_a_lead
    ),
    Case("api: read a campaign", "get", "/api/v1/campaigns/{id}", _campaign_with_a_lead),
    Case(
        "api: archive a campaign",
        "patch",
        "/api/v1/campaigns/{id}",
        _campaign_with_a_lead,
        {"status": "archived"},
    ),
    Case("api: delete a campaign", "delete", "/api/v1/campaigns/{id}", _campaign_with_a_lead),
    Case("api: list a campaign's leads", "get", "/api/v1/campaigns/{id}/leads", _campaign_with_a_lead),
    Case(
        "api: add leads to a campaign",
        "post",
        "/api/v1/campaigns/{id}/leads",
        _campaign_with_a_lead,
        {"leads": [{"email": "mallory@example.com"}]},
    ),
    Case(
        "api: remove leads from a campaign",
        "post",
        "/api/v1/campaigns/{id}/leads/remove",
        _campaign_with_a_lead,
        {"lead_ids": [1]},
    ),
    Case("dashboard: open a contact", "get", "/contacts/{id}/", _enrolled_lead, api=False),
    Case(
        "dashboard: edit a contact",
        "post",
        "/contacts/{id}/",
        _enrolled_lead,
        {"email": "mallory@example.com"},
        api=False,
    ),
    Case("dashboard: delete a contact", "post", "/contacts/{id}/delete/", _enrolled_lead, api=False),
    Case("dashboard: open a campaign", "get", "/campaigns/{id}/", _campaign_with_a_lead, api=False),
    Case(
        "dashboard: rename a campaign",
        "post",
        "/campaigns/{id}/rename/",
        _campaign_with_a_lead,
        {"name": "Mallory"},
        api=False,
    ),
    Case(
        "dashboard: archive a campaign",
        "post",
        "/campaigns/{id}/status/",
        _campaign_with_a_lead,
        {"status": "archived"},
        api=False,
    ),
    Case(
        "dashboard: confirm deleting a campaign",
        "get",
        "/campaigns/{id}/delete/",
        _campaign_with_a_lead,
        api=False,
    ),
    Case("dashboard: delete a campaign", "post", "/campaigns/{id}/delete/", _campaign_with_a_lead, api=False),
    Case(
        "dashboard: add leads to a campaign",
        "post",
        "/campaigns/{id}/leads/add/",
        _campaign_with_a_lead,
        {"emails": "mallory@example.com"},
        api=False,
    ),
    Case(
        "dashboard: remove leads from a campaign",
        "post",
        "/campaigns/{id}/leads/remove/",
        _campaign_with_a_lead,
        {"lead_ids": [1]},
        api=False,
    ),
    Case("api: read an import", "get", "/api/v1/imports/{id}", _import),
    Case("api: an import's error report", "get", "/api/v1/imports/{id}/errors.csv", _import),
    Case("api: cancel an import", "post", "/api/v1/imports/{id}/cancel", _import),
    Case(
        "dashboard: import a CSV into a campaign",
        "post",
        "/campaigns/{id}/import/",
        _campaign_with_a_lead,
        api=False,
    ),
    Case("dashboard: an upload's column mapping", "get", "/imports/{id}/mapping/", _import_draft, api=False),
    Case(
        "dashboard: confirm an upload's mapping",
        "post",
        "/imports/{id}/mapping/",
        _import_draft,
        {"column_0": "email", "on_duplicate": "skip"},
        api=False,
    ),
    Case("dashboard: an import's page", "get", "/imports/{id}/", _import, api=False),
    Case("dashboard: an import's progress", "get", "/imports/{id}/progress/", _import, api=False),
    Case("dashboard: cancel an import", "post", "/imports/{id}/cancel/", _import, api=False),
    Case("dashboard: an import's error report", "get", "/imports/{id}/errors.csv", _import, api=False),
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
