"""Reads from a replica (core/replicas.py; docs/database.md, "Read replica"): the Lead Finder's searches
and counts and the read-only lists read from the replica alias; locks, writes and transactions stay on the
primary; a workspace that wrote reads its own writes.

The replica stands in as a second database on the same server, a copy of the test database made when this
module starts, that the primary's writes never reach: a replica that lags. A row is on it only when a test
puts it there (``replicate``), so what an answer shows tells which database it was read from."""

import copy
import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey
from billing.services import quota_lock
from core.replicas import REPLICA, reads_from_replica, workspace_pinned
from leadfinder.models import Download, Prospect
from tests.factories import make_prospects, owner_of

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica_database(django_db_setup, django_db_blocker):
    """A copy of the test database (CREATE DATABASE … TEMPLATE) behind the ``replica`` alias, for the
    module (a test names the databases it uses before its fixtures run); dropped after it."""
    with django_db_blocker.unblock():
        primary = connections[DEFAULT_DB_ALIAS]
        source, name = primary.settings_dict["NAME"], f"{primary.settings_dict['NAME']}_replica"
        primary.close()
        with primary._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            # A template must have no other session: a connection some earlier test left open would do, and
            # a pooler in between (PgBouncer in CI) opens its idle server connections again at once.
            for attempt in range(20):
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [source]
                )
                try:
                    cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
                    break
                except OperationalError:
                    if attempt == 19:
                        raise
                    time.sleep(0.1)
        replica_settings = copy.deepcopy(primary.settings_dict)
        replica_settings["NAME"] = name
        connections.settings[REPLICA] = replica_settings
    yield name
    with django_db_blocker.unblock():
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        with connections[DEFAULT_DB_ALIAS]._nodb_cursor() as cursor:
            # FORCE: a connection pooler in between (CI runs the suite through PgBouncer) keeps its server
            # connections to the copy open after ours closed.
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def replica(settings):
    """The router and middleware that DATABASE_REPLICA_URL turns on, with the ``replica`` alias."""
    settings.DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "core.replicas.ReadYourWritesMiddleware"]
    return connections[REPLICA]


def replicate(objects):
    """Puts ``objects`` (saved on the primary) on the replica too, as replication would."""
    for instance in objects:
        instance.save(using=REPLICA, force_insert=True)


def tables_read(queries):
    return {
        table
        for query in queries
        for table in ("leadfinder_prospect", "leadfinder_download")
        if table in query["sql"]
    }


def used_recently(client, workspace):
    # A key's first request records when it was used (a write, which pins its workspace): long done here.
    ApiKey.objects.for_workspace(workspace).update(last_used_at=timezone.now())
    return client


@pytest.fixture
def api_client(api_client, workspace):
    return used_recently(api_client, workspace)


@pytest.fixture
def other_api_client(other_api_client, other_workspace):
    return used_recently(other_api_client, other_workspace)


def test_the_lead_finder_search_and_its_count_read_the_replica(replica, api_client):
    primary_only, *replicated = make_prospects(3)
    replicate(replicated)

    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        body = api_client.get("/api/v1/leadfinder/prospects").json()

    assert (body["count"], body["count_is_exact"]) == (2, True)
    assert [row["id"] for row in body["results"]] == [prospect.pk for prospect in reversed(replicated)]
    assert primary_only.pk not in [row["id"] for row in body["results"]]
    assert tables_read(on_replica.captured_queries) == {"leadfinder_prospect"}
    assert tables_read(on_primary.captured_queries) == set()


def test_the_dashboards_lead_finder_page_reads_the_replica(replica, client, workspace):
    make_prospects(1)
    replicate(make_prospects(4))
    client.force_login(owner_of(workspace))

    with CaptureQueriesContext(replica) as on_replica:
        page = client.get("/lead-finder/")

    assert page.status_code == 200
    assert page.context["count"] == 4
    assert "leadfinder_prospect" in tables_read(on_replica.captured_queries)


def test_reads_that_did_not_opt_in_read_the_primary(replica, api_client, workspace):
    make_prospects(3)
    download = Download.objects.create(workspace=workspace, query={}, requested=0)

    assert Prospect.objects.count() == 3
    with CaptureQueriesContext(replica) as on_replica:
        assert api_client.get(f"/api/v1/leadfinder/downloads/{download.pk}").status_code == 200
    assert on_replica.captured_queries == []


def test_locks_writes_and_transactions_stay_on_the_primary(replica, workspace):
    replicate(make_prospects(2))
    make_prospects(1)

    with CaptureQueriesContext(replica) as on_replica, reads_from_replica(workspace=workspace):
        assert Prospect.objects.count() == 2
        with transaction.atomic():
            assert Prospect.objects.count() == 3  # in a transaction: the primary
            quota_lock(workspace=workspace)
        # The block locked a row (a write's path): from then on it reads the primary.
        assert Prospect.objects.count() == 3

    with reads_from_replica(workspace=workspace):
        assert Prospect.objects.count() == 2
        make_prospects(1)
        assert Prospect.objects.count() == 4  # it wrote: the primary, where its write is
    assert Prospect.objects.using(REPLICA).count() == 2
    assert not any(
        "FOR UPDATE" in query["sql"] or "INSERT" in query["sql"] for query in on_replica.captured_queries
    )


def test_a_workspace_that_wrote_reads_its_own_writes_until_the_pin_ends(
    replica, api_client, other_api_client, workspace, other_workspace
):
    prospects = make_prospects(3)
    replicate(prospects)

    taken = api_client.post(
        "/api/v1/leadfinder/downloads",
        {"prospect_ids": [prospect.pk for prospect in prospects]},
        format="json",
    )
    assert taken.status_code == 201
    assert workspace_pinned(workspace.pk) and not workspace_pinned(other_workspace.pk)

    with CaptureQueriesContext(replica) as on_replica:
        downloads = api_client.get("/api/v1/leadfinder/downloads").json()["results"]
        owned = api_client.get("/api/v1/leadfinder/prospects", {"owned": "true"}).json()
    assert [row["id"] for row in downloads] == [taken.json()["id"]]
    assert owned["count"] == 3
    assert on_replica.captured_queries == []

    with CaptureQueriesContext(replica) as on_replica:
        assert other_api_client.get("/api/v1/leadfinder/prospects").json()["count"] == 3
    assert "leadfinder_prospect" in tables_read(on_replica.captured_queries)

    # The pin lasts DATABASE_REPLICA_PIN_SECONDS; once it ends, the lagging replica answers again.
    cache.delete(f"replica-pin:{workspace.pk}")
    assert api_client.get("/api/v1/leadfinder/downloads").json()["results"] == []


def settings_with(environment):
    code = (
        "import django, json; django.setup(); from django.conf import settings; print(json.dumps("
        "[sorted(settings.DATABASES), settings.DATABASE_ROUTERS, "
        "'core.replicas.ReadYourWritesMiddleware' in settings.MIDDLEWARE, "
        "settings.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR')]))"
    )
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URL"}
    env.update(environment, DJANGO_SETTINGS_MODULE="config.settings.base")
    output = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_without_database_replica_url_there_is_one_alias_and_no_router():
    assert settings_with({}) == [["default"], [], False, None]


def test_database_replica_url_adds_the_replica_alias_its_router_and_middleware():
    url = "postgres://reader@replica.internal:5432/leadpool"
    assert settings_with({"DATABASE_REPLICA_URL": url}) == [
        ["default", "replica"],
        ["core.replicas.ReplicaRouter"],
        True,
        "default",
    ]
