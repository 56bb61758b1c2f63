"""API keys with scopes (accounts.scopes): every /api/v1 route declares, for each of its methods, the
scope a key needs, found by walking the URL resolver rather than by remembering to list it; a key outside
its scopes gets 403 ``permission_denied`` naming the scope in ``details.missing_scope``; a key made
without scopes (as every key made before scopes was) may do everything; dashboard sessions are not
limited by scopes."""

from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiKey, hash_secret
from accounts.scopes import EVERY_SCOPE, NO_SCOPE, SCOPES, required_scope
from campaigns.models import Campaign
from leads.models import Lead
from tests import unchanged
from tests.factories import WorkspaceFactory, owner_of

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ABSENT_ID = 987_654


@dataclass(frozen=True)
class Route:
    name: str  # "api:<name>", as reverse() takes it
    path: str
    parameters: tuple[str, ...]
    view_class: type

    def url(self):
        return reverse(self.name, kwargs=dict.fromkeys(self.parameters, ABSENT_ID))

    def methods(self):
        """The methods its view answers (OPTIONS, which every view answers with its description, aside)."""
        return [method for method in METHODS if hasattr(self.view_class, method.lower())]


def api_routes(resolver=None, prefix="", namespace="", captured=()):
    """Every route under /api/v1/ of the URLconf, included URLconfs walked down."""
    for entry in (resolver or get_resolver()).url_patterns:
        path = prefix + str(entry.pattern)
        parameters = captured + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from api_routes(entry, path, inner, parameters)
        elif path.startswith("api/v1/"):
            name = ":".join(filter(None, [namespace, entry.name or f"<unnamed> {path}"]))
            yield Route(name, path, parameters, entry.callback.view_class)


def without_a_scope(routes):
    return [
        f"{method} /{route.path} ({route.name})"
        for route in routes
        for method in route.methods()
        if required_scope(route.view_class, method) is None
    ]


ROUTES = list(api_routes())
TABLE = [
    pytest.param(route, method, required_scope(route.view_class, method), id=f"{method} /{route.path}")
    for route in ROUTES
    for method in route.methods()
    if required_scope(route.view_class, method) is not None
]
SCOPED = [case for case in TABLE if case.values[2] != NO_SCOPE]


@pytest.fixture(autouse=True)
def _ample_budget(settings):
    settings.API_THROTTLE_RATE = "100000/minute"


def key_client(workspace, scopes, name="Scoped"):
    """A client with a key of the workspace's owner (so that no role refuses) holding ``scopes``."""
    _, raw_key = services.api_key_create(
        workspace=workspace, name=name, created_by=owner_of(workspace), scopes=scopes
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def send(client, method, url):
    body = {"format": "json", "data": {}} if method in ("POST", "PUT", "PATCH") else {}
    return getattr(client, method.lower())(url, **body)


def test_the_walk_finds_the_api_routes():
    names = {route.name for route in ROUTES}
    assert {"api:workspace", "api:leads", "api:campaign-leads", "api:mailbox-test"} <= names
    assert len(TABLE) >= 40


def test_every_api_route_declares_a_scope_for_each_of_its_methods():
    assert without_a_scope(ROUTES) == [], (
        "Declare what these need in the view's required_scopes (accounts/scopes.py, docs/api.md)."
    )


def test_a_route_without_a_scope_is_named_by_the_check():
    resolver = get_resolver("tests.accounts.urls_with_an_api_route_without_a_scope")

    assert without_a_scope(api_routes(resolver)) == ["GET /api/v1/gadgets (api:gadgets)"]


@pytest.mark.parametrize(("route", "method", "scope"), SCOPED)
def test_a_key_without_the_scope_gets_403_naming_it(workspace, route, method, scope):
    others = [other for other in SCOPES if other != scope] if scope != EVERY_SCOPE else SCOPES[:-1]
    client = key_client(workspace, others)

    with unchanged.nothing_changes():
        response = send(client, method, route.url())

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert response.json()["error"]["details"] == {"missing_scope": scope}


@pytest.mark.parametrize(("route", "method", "scope"), TABLE)
def test_a_key_with_only_that_scope_passes_as_a_key_with_every_scope_does(workspace, route, method, scope):
    only = {EVERY_SCOPE: SCOPES, NO_SCOPE: ["webhooks:write"]}.get(scope, [scope])
    scoped = send(key_client(workspace, only), method, route.url())
    unrestricted = send(key_client(workspace, None, name="Every scope"), method, route.url())

    assert scoped.status_code != 403, scoped.content
    assert scoped.status_code == unrestricted.status_code


def test_the_refusal_says_which_scope_and_changes_nothing(workspace):
    client = key_client(workspace, ["leads:read"])

    response = client.post("/api/v1/leads", {"email": "ada@example.com"}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "This API key's scopes do not allow this: it needs the scope leads:write.",
            "details": {"missing_scope": "leads:write"},
        }
    }
    assert not Lead.objects.for_workspace(workspace).exists()
    assert client.get("/api/v1/leads").status_code == 200


def test_what_no_single_scope_covers_needs_a_key_with_every_scope(workspace):
    nearly = key_client(workspace, SCOPES[:-1])
    every = key_client(workspace, SCOPES)

    refused = nearly.patch("/api/v1/workspace", {"name": "Renamed"}, format="json")
    renamed = every.patch("/api/v1/workspace", {"name": "Renamed"}, format="json")

    assert refused.status_code == 403
    assert refused.json()["error"]["details"] == {"missing_scope": "all"}
    assert refused.json()["error"]["message"].endswith("it needs a key with every scope.")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed"


def test_head_needs_the_scope_of_get_and_options_none(workspace):
    writer = key_client(workspace, ["campaigns:write"])
    reader = key_client(workspace, ["campaigns:read"])

    assert writer.head("/api/v1/campaigns").status_code == 403  # an answer to HEAD has no body to name it
    assert reader.head("/api/v1/campaigns").status_code == 200
    assert writer.options("/api/v1/campaigns").status_code == 200


def test_a_key_made_without_scopes_has_every_one(workspace):
    api_key, raw_key = services.api_key_create(
        workspace=workspace, name="Everything", created_by=owner_of(workspace)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    assert api_key.scopes is None and api_key.has_every_scope
    assert client.post("/api/v1/campaigns", {"name": "Spring"}, format="json").status_code == 201
    assert client.patch("/api/v1/workspace", {"name": "Renamed"}, format="json").status_code == 200


def test_dashboard_sessions_are_not_limited_by_scopes(workspace):
    owner = owner_of(workspace)
    key_client(workspace, ["leads:read"])  # a narrow key of the same user changes nothing for their session
    client = Client()
    client.force_login(owner)

    response = client.post("/api/v1/campaigns", {"name": "Spring"}, content_type="application/json")

    assert response.status_code == 201


def test_the_scopes_are_kept_in_their_documented_order_each_once(workspace):
    api_key, _ = services.api_key_create(
        workspace=workspace, name="Mixed", scopes=["leadfinder:spend", "leads:read", "leadfinder:spend"]
    )

    api_key.refresh_from_db()
    assert api_key.scopes == ["leads:read", "leadfinder:spend"]


def test_an_unknown_scope_is_refused_and_makes_no_key(workspace):
    with pytest.raises(services.DomainError, match="Unknown scope 'leads:delete'; the scopes are leads:read"):
        services.api_key_create(workspace=workspace, name="Bad", scopes=["leads:read", "leads:delete"])

    assert not ApiKey.objects.for_workspace(workspace).exists()


@pytest.mark.parametrize("scopes", [[], ["leads:delete"]])
def test_the_database_keeps_scopes_known_and_not_empty(workspace, scopes):
    api_key, _ = services.api_key_create(workspace=workspace, name="Key")

    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.for_workspace(workspace).filter(pk=api_key.pk).update(scopes=scopes)


# The operator's command


def last_line(capsys):
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_create_api_key_with_scopes_makes_a_key_limited_to_them(workspace, capsys):
    call_command(
        "create_api_key",
        workspace.slug,
        "--name",
        "Reader",
        "--scope",
        "leads:read",
        "--scope",
        "campaigns:read",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {last_line(capsys)}")

    assert ApiKey.objects.for_workspace(workspace).get().scopes == ["leads:read", "campaigns:read"]
    assert client.get("/api/v1/leads").status_code == 200
    refused = client.post("/api/v1/campaigns", {"name": "Spring"}, format="json")
    assert refused.json()["error"]["details"] == {"missing_scope": "campaigns:write"}


def test_create_api_key_without_a_scope_makes_a_key_with_every_one(workspace, capsys):
    call_command("create_api_key", workspace.slug)

    assert "with every scope" in capsys.readouterr().out
    assert ApiKey.objects.for_workspace(workspace).get().scopes is None


def test_create_api_key_with_a_bad_scope_says_which_and_makes_no_key(workspace):
    with pytest.raises(
        CommandError, match=r"Unknown scope 'leads:destroy'; the scopes are leads:read, leads:write"
    ):
        call_command("create_api_key", workspace.slug, "--scope", "leads:read", "--scope", "leads:destroy")

    assert not ApiKey.objects.for_workspace(workspace).exists()


# The dashboard's API keys page


def test_the_api_keys_page_offers_every_scope_as_a_checkbox(client, workspace, owner):
    client.force_login(owner)

    html = client.get(reverse("settings_api_keys")).text

    for scope in SCOPES:
        assert f'type="checkbox" name="scopes" value="{scope}"' in html


def test_the_scopes_ticked_on_the_page_limit_the_new_key_and_show_in_the_list(client, workspace, owner):
    client.force_login(owner)

    response = client.post(
        reverse("settings_api_keys"),
        {"name": "Lead Finder sync", "scopes": ["leadfinder:read", "leadfinder:spend"]},
        follow=True,
    )

    assert ApiKey.objects.for_workspace(workspace).get().scopes == ["leadfinder:read", "leadfinder:spend"]
    row = response.text.split("Lead Finder sync</td>")[1].split("</tr>")[0]
    assert "<code>leadfinder:read</code> <code>leadfinder:spend</code>" in row
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.context['new_api_key']}")
    assert api.get("/api/v1/leadfinder/filters").status_code == 200
    assert api.get("/api/v1/leads").json()["error"]["details"] == {"missing_scope": "leads:read"}


def test_a_key_made_on_the_page_with_no_scope_ticked_has_all_and_the_list_says_so(client, workspace, owner):
    client.force_login(owner)

    response = client.post(reverse("settings_api_keys"), {"name": "Everything"}, follow=True)

    assert ApiKey.objects.for_workspace(workspace).get().scopes is None
    row = response.text.split("Everything</td>")[1].split("</tr>")[0]
    assert ">All<" in row.replace("\n", "").replace(" ", "")


def test_an_unknown_scope_sent_to_the_page_is_an_error_on_the_form(client, workspace, owner):
    client.force_login(owner)

    response = client.post(reverse("settings_api_keys"), {"name": "Bad", "scopes": ["leads:delete"]})

    assert response.status_code == 200
    assert response.context["form"].errors["scopes"]
    assert not ApiKey.objects.for_workspace(workspace).exists()


# Keys made before scopes


@pytest.mark.django_db(transaction=True)
def test_keys_made_before_scopes_keep_every_scope_through_the_migration():
    workspace = WorkspaceFactory(name="Acme Outreach")
    owner = owner_of(workspace)
    before = [("accounts", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_api_key = executor.loader.project_state(before).apps.get_model("accounts", "ApiKey")
    prefix, raw_key = ApiKey.generate()
    old_api_key._default_manager.create(
        workspace_id=workspace.pk,
        name="Old",
        prefix=prefix,
        hashed_key=hash_secret(raw_key),
        created_by_id=owner.pk,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app back to its latest

    assert ApiKey.objects.unscoped().get(prefix=prefix).scopes is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert client.post("/api/v1/campaigns", {"name": "Spring"}, format="json").status_code == 201
    assert client.patch("/api/v1/workspace", {"name": "Renamed"}, format="json").status_code == 200
    assert Campaign.objects.for_workspace(workspace).count() == 1
