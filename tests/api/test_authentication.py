import hashlib

from rest_framework.test import APIClient

from accounts import services
from accounts.models import Role
from tests.factories import MembershipFactory


def error_code(response):
    return response.json()["error"]["code"]


def test_request_without_a_key_is_401_in_the_error_format(db):
    response = APIClient().get("/api/v1/workspace")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.json()["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_malformed_and_empty_keys_are_401(workspace):
    for header in [
        "Bearer lp_deadbeef_nope",
        "Bearer not-a-key",
        "Token abc",
        "Bearer ",
        "Basic Zm9vOmJhcg==",
    ]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/workspace")
        assert response.status_code == 401, header
        assert error_code(response) == "not_authenticated"


def test_a_key_with_a_right_prefix_but_wrong_secret_is_401(api_client):
    prefix = api_client.raw_key.split("_")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer lp_{prefix}_{'x' * 43}")
    assert client.get("/api/v1/workspace").status_code == 401


def test_revoked_key_is_401(workspace, api_client):
    assert api_client.get("/api/v1/workspace").status_code == 200
    prefix = api_client.raw_key.split("_")[1]
    api_key = services.ApiKey.objects.for_workspace(workspace).get(prefix=prefix)
    services.api_key_revoke(workspace=workspace, api_key_id=api_key.pk)
    response = api_client.get("/api/v1/workspace")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_a_deactivated_users_key_is_401(workspace, api_client):
    prefix = api_client.raw_key.split("_")[1]
    creator = services.ApiKey.objects.for_workspace(workspace).get(prefix=prefix).created_by
    creator.is_active = False
    creator.save(update_fields=["is_active"])

    response = api_client.get("/api/v1/workspace")

    assert response.status_code == 401
    assert "deactivated" in response.json()["error"]["message"]


def test_the_key_decides_the_workspace(api_client, other_api_client, workspace, other_workspace):
    assert api_client.get("/api/v1/workspace").json()["id"] == workspace.pk
    assert other_api_client.get("/api/v1/workspace").json()["id"] == other_workspace.pk


def test_the_secret_is_stored_only_as_a_hash(workspace, owner):
    api_key, raw_key = services.api_key_create(workspace=workspace, name="CI", created_by=owner)
    api_key.refresh_from_db()
    assert raw_key not in api_key.hashed_key
    assert api_key.hashed_key == hashlib.sha256(raw_key.encode()).hexdigest()  # rule 16: SHA-256
    assert raw_key.startswith(f"lp_{api_key.prefix}_")


def test_using_a_key_records_its_last_use(workspace, api_client):
    api_client.get("/api/v1/workspace")
    prefix = api_client.raw_key.split("_")[1]
    assert services.ApiKey.objects.for_workspace(workspace).get(prefix=prefix).last_used_at is not None


def test_removing_a_member_revokes_the_keys_they_made(workspace, owner):
    membership = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    _, raw_key = services.api_key_create(workspace=workspace, name="theirs", created_by=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert client.get("/api/v1/workspace").status_code == 200

    owner_membership = services.Membership.objects.for_workspace(workspace).get(user=owner)
    services.membership_remove(
        workspace=workspace, membership_id=membership.pk, acting_membership=owner_membership
    )

    assert client.get("/api/v1/workspace").status_code == 401


def test_a_member_key_cannot_do_admin_things(member_api_client, workspace):
    response = member_api_client.patch("/api/v1/workspace", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    workspace.refresh_from_db()
    assert workspace.name == "Acme Outreach"
