import pytest
from django.urls import reverse

from accounts.middleware import SESSION_WORKSPACE_KEY
from accounts.models import Role
from accounts.selectors import memberships_for_user
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory


def test_home_shows_the_workspace_your_role_and_how_many_members_it_has(client, workspace, owner):
    MembershipFactory.create_batch(2, workspace=workspace)
    client.force_login(owner)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "<h1>Acme Outreach</h1>" in response.text
    assert "<dt>Your role</dt><dd>Owner</dd>" in response.text
    assert "<dt>Members</dt><dd>3</dd>" in response.text
    assert 'id="usage"' in response.text
    assert reverse("settings_api_keys") in response.text
    assert reverse("api-docs") in response.text


def test_every_form_of_the_dashboard_carries_a_csrf_token(client, workspace, owner):
    client.force_login(owner)

    for url_name in ["home", "settings_workspace", "settings_members", "settings_api_keys", "workspace_new"]:
        html = client.get(reverse(url_name)).text
        assert html.count("<form") == html.count('name="csrfmiddlewaretoken"'), url_name


def test_switching_to_an_own_workspace_makes_it_current(client, workspace, other_workspace, owner):
    MembershipFactory(workspace=other_workspace, user=owner, role=Role.MEMBER)
    client.force_login(owner)

    response = client.post(reverse("workspace_switch"), {"workspace": other_workspace.pk}, follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["current_workspace"] == other_workspace
    assert client.session[SESSION_WORKSPACE_KEY] == other_workspace.pk
    assert "<h1>Globex Sales</h1>" in response.text
    assert "<dt>Your role</dt><dd>Member</dd>" in response.text


def test_switching_to_a_workspace_you_are_not_a_member_of_is_404_and_changes_nothing(
    client, workspace, other_workspace, owner
):
    client.force_login(owner)
    client.post(reverse("workspace_switch"), {"workspace": workspace.pk})

    response = client.post(reverse("workspace_switch"), {"workspace": other_workspace.pk})

    assert response.status_code == 404
    assert client.session[SESSION_WORKSPACE_KEY] == workspace.pk
    assert client.get(reverse("home")).context["current_workspace"] == workspace


@pytest.mark.parametrize("value", ["", "not-a-number", "999999"])
def test_switching_to_a_workspace_that_does_not_exist_is_404(client, owner, value):
    client.force_login(owner)

    assert client.post(reverse("workspace_switch"), {"workspace": value}).status_code == 404


def test_a_signed_in_user_creates_another_workspace_owns_it_and_works_in_it(client, workspace, owner):
    client.force_login(owner)

    response = client.post(reverse("workspace_new"), {"name": "  Second Brand  "}, follow=True)

    memberships = {m.workspace.name: m.role for m in memberships_for_user(owner)}
    assert memberships == {"Acme Outreach": Role.OWNER, "Second Brand": Role.OWNER}
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["current_workspace"].name == "Second Brand"


def test_a_workspace_needs_a_name(client, owner):
    client.force_login(owner)

    response = client.post(reverse("workspace_new"), {"name": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert len(memberships_for_user(owner)) == 1


def test_a_user_in_no_workspace_is_asked_to_create_one(client, db):
    client.force_login(UserFactory())

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain == [(reverse("workspace_new"), 302)]
    assert "create one to get started" in response.text


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_rename_the_workspace_and_its_slug_stays(client, workspace, role):
    user = MembershipFactory(workspace=workspace, role=role).user
    slug = workspace.slug
    client.force_login(user)

    response = client.post(reverse("settings_workspace"), {"name": "Acme Growth"}, follow=True)

    workspace.refresh_from_db()
    assert (workspace.name, workspace.slug) == ("Acme Growth", slug)
    assert "The workspace is now called Acme Growth." in response.text


def test_a_plain_member_sees_the_workspace_settings_but_cannot_rename_it(client, workspace):
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER).user
    client.force_login(member)

    page = client.get(reverse("settings_workspace"))
    response = client.post(reverse("settings_workspace"), {"name": "Hijacked"})

    assert workspace.slug in page.text
    assert "Rename the workspace" not in page.text
    assert response.status_code == 403
    assert "Only owners and admins can rename the workspace." in response.text
    workspace.refresh_from_db()
    assert workspace.name == "Acme Outreach"


@pytest.mark.parametrize(
    ("url_name", "empty_state"),
    [
        ("contacts", "No contacts yet."),
        ("campaigns", "No campaigns yet."),
        ("imports", "No imports yet."),
        ("leadfinder", "No prospects to search yet."),
    ],
)
def test_navigation_pages_answer_with_an_honest_empty_state(client, workspace, url_name, empty_state):
    client.force_login(MembershipFactory(workspace=workspace, role=Role.MEMBER).user)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert empty_state in response.text
    assert f'href="{reverse(url_name)}" aria-current="page"' in response.text


def test_the_workspace_switcher_lists_only_your_own_workspaces(client, workspace, other_workspace, owner):
    second = WorkspaceFactory(name="Second Brand", owner=owner)
    client.force_login(owner)

    html = client.get(reverse("home")).text

    assert f'<option value="{workspace.pk}" selected>Acme Outreach</option>' in html
    assert f'<option value="{second.pk}">Second Brand</option>' in html
    assert "Globex Sales" not in html
