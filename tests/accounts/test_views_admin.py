import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Role, User
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_lists_and_opens_every_accounts_model(staff_client, workspace, owner):
    membership = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    api_key, _ = services.api_key_create(workspace=workspace, name="Zapier", created_by=owner)
    invitation, _ = services.invitation_create(
        workspace=workspace, email="grace@example.com", role=Role.MEMBER, invited_by_membership=membership
    )

    for model, obj in [
        ("user", owner),
        ("workspace", workspace),
        ("membership", membership),
        ("apikey", api_key),
        ("invitation", invitation),
    ]:
        assert staff_client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200, model
        assert (
            staff_client.get(reverse(f"admin:accounts_{model}_change", args=[obj.pk])).status_code == 200
        ), model


def test_the_admin_shows_an_api_keys_hash_read_only_and_cannot_make_keys(staff_client, workspace, owner):
    api_key, _ = services.api_key_create(workspace=workspace, name="Zapier", created_by=owner)

    page = staff_client.get(reverse("admin:accounts_apikey_change", args=[api_key.pk]))

    assert api_key.hashed_key in page.text
    assert 'name="hashed_key"' not in page.text
    assert 'name="prefix"' not in page.text
    assert staff_client.get(reverse("admin:accounts_apikey_add")).status_code == 403


def test_the_admin_adds_a_user_by_email(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": " New.Person@Example.com ",
            "usable_password": "true",
            "password1": "plum-orchard-lantern-42",
            "password2": "plum-orchard-lantern-42",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="new.person@example.com").check_password("plum-orchard-lantern-42")
