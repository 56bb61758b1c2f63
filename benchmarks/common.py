"""What the benchmarks share: a throwaway PostgreSQL database, set-based seeding, timing, a table.

Run a benchmark from the project root as a module, e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.campaigns_bench``.
The URL names the server (its database is only used to create and drop the throwaway one).
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2


def _admin_connection(url):
    connection = psycopg2.connect(url)
    connection.autocommit = True
    return connection


@contextmanager
def throwaway_database(keep=False):
    """Creates ``leadpool_bench_<pid>`` on the server of $DATABASE_URL, points Django at it, migrates,
    and drops it afterwards (unless ``keep``)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://user@host:port/db: these benchmarks measure PostgreSQL.")
    name = f"leadpool_bench_{os.getpid()}"
    admin = _admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Measure without the debug cursor that records every query.
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    try:
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"kept database {name}")
        else:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def execute(sql, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def seed_leads(workspace, count, *, prefix="lead", start=0):
    """``count`` contacts with names and companies, one INSERT … SELECT from generate_series."""
    execute(
        """
        INSERT INTO leads_lead (workspace_id, email, first_name, last_name, company_name, job_title, phone,
                                website, linkedin_url, city, country, custom_fields, source, created_at,
                                updated_at)
        SELECT %s, %s || g || '@company' || (g %% 5000) || '.example', 'First' || (g %% 997),
               'Last' || (g %% 1009), 'Company ' || (g %% 5000), '', '', '', '', '', '', '{}'::jsonb,
               'import', now(), now()
        FROM generate_series(%s, %s) AS g
        """,
        [workspace.pk, prefix, start + 1, start + count],
    )


def seed_enrollments(workspace, campaign, *, count):
    """Enrolls the workspace's ``count`` oldest contacts in ``campaign``; keeps ``lead_count`` right."""
    execute(
        """
        INSERT INTO campaigns_enrollment (workspace_id, campaign_id, lead_id, created_at)
        SELECT %s, %s, id, now() FROM leads_lead WHERE workspace_id = %s ORDER BY id LIMIT %s
        """,
        [workspace.pk, campaign.pk, workspace.pk, count],
    )
    execute("UPDATE campaigns_campaign SET lead_count = %s WHERE id = %s", [count, campaign.pk])


def analyze():
    execute("VACUUM ANALYZE")


def timed(action, runs):
    """Milliseconds of each of ``runs`` calls of ``action(run)``; each must answer 2xx."""
    times = []
    for run in range(runs):
        started = time.perf_counter()
        response = action(run)
        times.append((time.perf_counter() - started) * 1000)
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"run {run} answered {response.status_code}: {response.content[:300]!r}")
    return times


def print_table(title, rows):
    """rows: (what, times in ms)."""
    print(f"\n{title}")
    header = f"{'measurement':<58} {'runs':>4} {'median ms':>10} {'worst ms':>9}"
    print(header)
    print("-" * len(header))
    for what, times in rows:
        print(f"{what:<58} {len(times):>4} {statistics.median(times):>10.1f} {max(times):>9.1f}")
