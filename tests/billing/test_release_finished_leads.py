"""Rule 22's workspace setting ``release_finished_leads``: switching it recounts ``used`` under the quota
lock (and may leave it above the limit, rule 4); ``/workspace`` shows it and owners change it; Settings →
Uploaded Contacts explains it; ``audit_quotas`` tells live from finished."""

import html

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Role
from billing import services
from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from billing.selectors import finished_leads_kept, usage_for_workspace
from campaigns import services as campaign_services
from campaigns.models import Enrollment
from campaigns.selectors import active_leads_used_by_enrollments
from tests.campaigns.import_helpers import with_active_leads_limit
from tests.conftest import api_client_for
from tests.factories import CampaignFactory, LeadFactory, MembershipFactory, enroll, owner_of
from tests.unchanged import nothing_changes

pytestmark = pytest.mark.django_db


def quota(workspace):
    return Quota.objects.for_workspace(workspace).get()


def used(workspace):
    return quota(workspace).active_leads_used


@pytest.fixture
def finished_three(workspace):
    """Five contacts in a campaign, three of them finished (two replied, one completed)."""
    campaign = CampaignFactory(workspace=workspace)
    leads = LeadFactory.create_batch(5, workspace=workspace)
    enroll(campaign, leads)
    for status, finished in (("replied", leads[:2]), ("completed", leads[2:3])):
        campaign_services.enrollments_finish(
            workspace=workspace, campaign=campaign, lead_ids=[lead.pk for lead in finished], status=status
        )
    assert used(workspace) == 2
    return campaign, leads


def assert_exact(workspace):
    assert used(workspace) == active_leads_used_by_enrollments(workspace)
    assert services.quota_audit(workspace=workspace) == []


# The switch


def test_switching_off_counts_finished_leads_again_and_on_frees_them(workspace, finished_three):
    assert quota(workspace).release_finished_leads is True
    assert finished_leads_kept(workspace=workspace) == 3

    switched = services.release_finished_leads_set(workspace=workspace, value=False)

    assert (switched.release_finished_leads, switched.active_leads_used) == (False, 5)
    assert usage_for_workspace(workspace=workspace)["active_leads"]["used"] == 5
    assert finished_leads_kept(workspace=workspace) == 0
    assert_exact(workspace)

    services.release_finished_leads_set(workspace=workspace, value=True)

    assert (quota(workspace).release_finished_leads, used(workspace)) == (True, 2)
    assert_exact(workspace)


def test_switching_off_may_leave_used_above_the_limit_and_adding_waits(workspace, finished_three):
    with_active_leads_limit(workspace, 4)
    campaign, _ = finished_three

    services.release_finished_leads_set(workspace=workspace, value=False)

    assert (used(workspace), quota(workspace).active_leads_limit) == (5, 4)
    assert usage_for_workspace(workspace=workspace)["active_leads"]["available"] == 0
    with pytest.raises(ActiveLeadsLimitReached):
        enroll(campaign, [LeadFactory(workspace=workspace)])
    assert Enrollment.objects.for_workspace(workspace).count() == 5
    assert_exact(workspace)


def test_setting_the_value_it_has_changes_nothing(workspace, finished_three):
    with nothing_changes():
        services.release_finished_leads_set(workspace=workspace, value=True)


def test_the_switch_recounts_from_the_enrollments_not_from_the_counter(workspace, finished_three):
    Quota.objects.for_workspace(workspace).update(active_leads_used=40)  # a drift no service makes

    services.release_finished_leads_set(workspace=workspace, value=False)

    assert used(workspace) == 5


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_setting_is_true_or_false(workspace, value):
    with pytest.raises(ValueError), nothing_changes():
        services.release_finished_leads_set(workspace=workspace, value=value)


# audit_quotas


def test_audit_quotas_says_what_is_live_and_what_is_finished(workspace, finished_three, capsys):
    call_command("audit_quotas")
    assert f"{workspace.slug}: used 2 (live); 3 finished kept without a slot" in capsys.readouterr().out

    services.release_finished_leads_set(workspace=workspace, value=False)
    call_command("audit_quotas")
    out = capsys.readouterr().out
    assert f"{workspace.slug}: used 5 (live and finished: release_finished_leads is off)" in out
    assert "no differences" in out


def test_audit_quotas_finds_a_counter_that_counts_finished_leads_it_should_not(workspace, finished_three):
    Quota.objects.for_workspace(workspace).update(active_leads_used=5)  # as if the finish freed nothing

    assert services.quota_audit(workspace=workspace) == ["active_leads_used is 5; enrollments count 2"]


# GET, PATCH /workspace


def test_get_workspace_shows_the_setting(api_client, workspace):
    answer = api_client.get("/api/v1/workspace").json()

    assert answer["release_finished_leads"] is True


def test_an_owner_switches_it_and_the_answer_shows_the_recount(api_client, workspace, finished_three):
    response = api_client.patch("/api/v1/workspace", {"release_finished_leads": False}, format="json")

    assert response.status_code == 200
    answer = response.json()
    assert answer["release_finished_leads"] is False
    assert answer["usage"]["active_leads"]["used"] == 5
    assert answer["name"] == workspace.name
    assert quota(workspace).release_finished_leads is False
    assert_exact(workspace)


def test_an_owner_renames_and_switches_in_one_patch(api_client, workspace):
    body = {"name": "Acme EU", "release_finished_leads": False}

    answer = api_client.patch("/api/v1/workspace", body, format="json").json()

    assert (answer["name"], answer["release_finished_leads"]) == ("Acme EU", False)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
def test_only_owners_switch_it(workspace, finished_three, role):
    client = api_client_for(workspace, role=role)

    with nothing_changes():
        response = client.patch(
            "/api/v1/workspace", {"release_finished_leads": False, "name": "Renamed"}, format="json"
        )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "owner" in response.json()["error"]["message"]


def test_an_admin_still_renames(workspace):
    client = api_client_for(workspace, role=Role.ADMIN)

    response = client.patch("/api/v1/workspace", {"name": "Acme EU"}, format="json")

    assert (response.status_code, response.json()["name"]) == (200, "Acme EU")


@pytest.mark.parametrize("value", ["no", "false", 0, None, [], {"on": True}])
def test_a_value_that_is_not_true_or_false_is_400_and_changes_nothing(api_client, workspace, value):
    with nothing_changes():
        response = api_client.patch("/api/v1/workspace", {"release_finished_leads": value}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "release_finished_leads" in response.json()["error"]["details"]


def test_the_schema_describes_the_setting(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    assert components["Workspace"]["properties"]["release_finished_leads"]["type"] == "boolean"
    assert "release_finished_leads" in components["Workspace"]["required"]
    assert (
        components["PatchedWorkspaceUpdateRequest"]["properties"]["release_finished_leads"]["type"]
        == "boolean"
    )


# Settings → Uploaded Contacts


def page(client):
    response = client.get("/settings/uploaded-contacts/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def owner_client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def test_the_page_explains_the_setting_and_counts_the_finished_leads_kept(owner_client, finished_three):
    text = page(owner_client)

    assert "Finished leads" in text
    assert "frees its slot at once and keeps its history" in text
    assert 'data-testid="finished-leads-kept">3<' in text
    assert 'data-testid="uploaded-used">2<' in text
    assert (
        'role="switch" name="release_finished_leads" value="on" data-testid="release-finished-leads" checked'
        in (text)
    )
    assert "5 of 250 would be used" in text


def test_an_owner_switches_it_off_and_on_from_the_page(owner_client, workspace, finished_three):
    response = owner_client.post(
        "/settings/uploaded-contacts/release-finished-leads/", {"release_finished_leads": "off"}, follow=True
    )

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "Finished leads keep their slots: 5 of 250 active leads are used now." in text
    assert 'data-testid="uploaded-used">5<' in text
    assert 'data-testid="finished-leads-kept"' not in text
    assert quota(workspace).release_finished_leads is False

    # The form sends "off" and, when the switch is on, "on" after it.
    owner_client.post(
        "/settings/uploaded-contacts/release-finished-leads/", {"release_finished_leads": ["off", "on"]}
    )
    assert (quota(workspace).release_finished_leads, used(workspace)) == (True, 2)


def test_a_member_sees_the_setting_without_the_switch_and_cannot_post(workspace, finished_three):
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER).user
    client = Client()
    client.force_login(member)

    text = page(client)
    assert "Finished leads free their slots. Only an owner of the workspace can change this." in text
    assert 'role="switch"' not in text

    with nothing_changes():
        response = client.post(
            "/settings/uploaded-contacts/release-finished-leads/", {"release_finished_leads": "off"}
        )
    assert response.status_code == 403


def test_a_malformed_post_changes_nothing(owner_client, workspace):
    with nothing_changes():
        response = owner_client.post(
            "/settings/uploaded-contacts/release-finished-leads/", {"release_finished_leads": "maybe"}
        )
    assert response.status_code == 302
