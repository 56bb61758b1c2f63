from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import ApiKey, Role
from tests.factories import MembershipFactory, WorkspaceFactory


def create_key(client, name="CRM sync"):
    return client.post(reverse("settings_api_keys"), {"name": name}, follow=True)


def test_a_new_api_key_is_shown_once_and_authenticates_the_api(client, workspace, owner):
    client.force_login(owner)

    response = create_key(client)

    api_key = ApiKey.objects.for_workspace(workspace).get()
    raw_key = response.context["new_api_key"]
    assert raw_key.startswith(f"lp_{api_key.prefix}_")
    assert raw_key in response.text
    assert "Copy it now, it won't be shown again." in response.text
    assert "no-store" in response["Cache-Control"]  # no browser or proxy keeps the page with the key
    assert api_key.created_by == owner
    again = client.get(reverse("settings_api_keys"))
    assert raw_key not in again.text
    assert f"lp_{api_key.prefix}_…" in again.text
    answer = Client().get("/api/v1/workspace", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert answer.status_code == 200
    assert answer.json()["slug"] == workspace.slug


def test_the_key_list_shows_name_prefix_creator_and_status(client, workspace, owner):
    kept, _ = services.api_key_create(workspace=workspace, name="Zapier", created_by=owner)
    revoked, _ = services.api_key_create(workspace=workspace, name="Old import script", created_by=owner)
    services.api_key_revoke(workspace=workspace, api_key_id=revoked.pk)
    client.force_login(owner)

    html = client.get(reverse("settings_api_keys")).text

    assert "Zapier" in html
    assert f"lp_{kept.prefix}_…" in html
    assert owner.email in html
    assert html.count("Active</span>") == 1
    assert html.count("Revoked ") == 1
    assert html.count(">Revoke</button>") == 1


def test_a_revoked_key_answers_401_in_the_api_error_format(client, workspace, owner):
    api_key, raw_key = services.api_key_create(workspace=workspace, name="Zapier", created_by=owner)
    client.force_login(owner)

    response = client.post(reverse("api_key_revoke", args=[api_key.pk]), follow=True)

    assert "API key “Zapier” is revoked" in response.text
    answer = Client().get("/api/v1/workspace", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "not_authenticated"
    assert answer.json()["error"]["message"]


def test_an_admin_manages_api_keys_too(client, workspace):
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN).user
    client.force_login(admin)

    response = create_key(client)

    assert response.context["new_api_key"]
    assert ApiKey.objects.for_workspace(workspace).get().created_by == admin


def test_an_api_key_needs_a_name(client, workspace, owner):
    client.force_login(owner)

    response = create_key(client, name="   ")

    assert response.context["form"].errors["name"]
    assert not ApiKey.objects.for_workspace(workspace).exists()


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(workspace, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    key_creation = client.post(reverse("settings_api_keys"), {"name": "CRM sync"})
    rename = client.post(reverse("settings_workspace"), {"name": "Hijacked"})

    assert (key_creation.status_code, rename.status_code) == (403, 403)
    assert not ApiKey.objects.for_workspace(workspace).exists()
    workspace.refresh_from_db()
    assert workspace.name == "Acme Outreach"


def test_a_post_with_the_pages_csrf_token_goes_through(workspace, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    token = client.get(reverse("settings_api_keys")).context["csrf_token"]

    response = client.post(reverse("settings_api_keys"), {"name": "CRM sync", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert ApiKey.objects.for_workspace(workspace).exists()


def test_the_api_key_page_shows_only_the_current_workspaces_keys(client, workspace, other_workspace, owner):
    second = WorkspaceFactory(name="Second Brand", owner=owner)
    services.api_key_create(workspace=workspace, name="Acme key", created_by=owner)
    services.api_key_create(workspace=second, name="Second key", created_by=owner)
    services.api_key_create(workspace=other_workspace, name="Globex key")
    client.force_login(owner)

    first_page = client.get(reverse("settings_api_keys"))
    client.post(reverse("workspace_switch"), {"workspace": second.pk})
    second_page = client.get(reverse("settings_api_keys"))

    assert [k.name for k in first_page.context["api_keys"]] == ["Acme key"]
    assert "Second key" not in first_page.text
    assert [k.name for k in second_page.context["api_keys"]] == ["Second key"]
    assert "Acme key" not in second_page.text
    assert "Globex key" not in first_page.text + second_page.text


def test_revoking_another_workspaces_key_is_404_and_the_key_keeps_working(
    client, workspace, other_workspace, owner
):
    foreign_key, _ = services.api_key_create(workspace=other_workspace, name="Globex key")
    client.force_login(owner)

    response = client.post(reverse("api_key_revoke", args=[foreign_key.pk]))

    assert response.status_code == 404
    foreign_key.refresh_from_db()
    assert foreign_key.is_active


def test_a_new_key_is_not_shown_after_switching_workspaces(client, workspace, owner):
    second = WorkspaceFactory(name="Second Brand", owner=owner)
    client.force_login(owner)
    client.post(reverse("settings_api_keys"), {"name": "CRM sync"})

    client.post(reverse("workspace_switch"), {"workspace": second.pk})
    response = client.get(reverse("settings_api_keys"))

    assert response.context["new_api_key"] is None
