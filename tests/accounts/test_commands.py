import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import Membership, Role, User, Workspace


def last_line(capsys):
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_create_workspace_creates_the_owner_and_prints_the_slug_last(db, capsys):
    call_command("create_workspace", "Acme Outreach", owner="Boss@Acme.io", password="a-long-passphrase")
    slug = last_line(capsys)

    workspace = Workspace.objects.get(slug=slug)
    user = User.objects.get(email="boss@acme.io")
    assert user.check_password("a-long-passphrase")
    assert Membership.objects.for_workspace(workspace).get(user=user).role == Role.OWNER


def test_create_workspace_reuses_an_existing_owner(db, capsys):
    call_command("create_workspace", "First", owner="boss@acme.io")
    call_command("create_workspace", "Second", owner="boss@acme.io")
    assert User.objects.filter(email="boss@acme.io").count() == 1
    assert Membership.objects.unscoped().filter(user__email="boss@acme.io").count() == 2


def test_create_workspace_refuses_to_reset_an_existing_users_password(db):
    call_command("create_workspace", "First", owner="boss@acme.io", password="a-long-passphrase")
    with pytest.raises(CommandError):
        call_command("create_workspace", "Second", owner="boss@acme.io", password="another-one-here")
    assert Workspace.objects.count() == 1


def test_create_api_key_prints_a_working_key_last(workspace, capsys):
    call_command("create_api_key", workspace.slug, name="Zapier")
    raw_key = last_line(capsys)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    response = client.get("/api/v1/workspace")
    assert response.status_code == 200
    assert response.json()["slug"] == workspace.slug


def test_create_api_key_for_an_unknown_workspace_is_an_error(db):
    with pytest.raises(CommandError, match="No workspace"):
        call_command("create_api_key", "nope")


def test_seed_demo_runs_twice_without_duplicating(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.filter(email="demo@leadpool.localhost").count() == 1
    assert "already there" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"owner": ""}, "is not an email address"),
        ({"owner": "not-an-email"}, "is not an email address"),
        ({"owner": "boss@acme.io", "password": "1"}, "Choose a stronger --password"),
        ({"owner": "boss@acme.io", "name": "x" * 101}, "at most 100 characters"),
    ],
)
def test_create_workspace_refuses_bad_arguments_with_a_message_and_creates_nothing(db, options, message):
    name = options.pop("name", "Acme")

    with pytest.raises(CommandError, match=message):
        call_command("create_workspace", name, **options)

    assert not Workspace.objects.exists() and not User.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "needs a name"), ("k" * 101, "at most 100 characters")]
)
def test_create_api_key_refuses_a_blank_or_overlong_name(workspace, name, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", workspace.slug, name=name)


def test_create_api_key_acts_for_an_active_owner_or_refuses(workspace, capsys):
    first = Membership.objects.for_workspace(workspace).get(role=Role.OWNER).user
    first.is_active = False
    first.save()

    with pytest.raises(CommandError, match="no active owner"):
        call_command("create_api_key", workspace.slug)

    second = User.objects.create_user("second@acme.io", "a-long-passphrase")
    Membership.objects.create(workspace=workspace, user=second, role=Role.OWNER)
    call_command("create_api_key", workspace.slug)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {last_line(capsys)}")
    assert client.get("/api/v1/workspace").status_code == 200
