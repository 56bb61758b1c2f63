"""CSV import speed and memory (issue 5), on PostgreSQL, end to end through a real Celery worker.

For 100,000 and 1,000,000 rows of a deterministic 10-column CSV (about 160 bytes a row, 0.5% invalid
emails, 0.5% repeats of an earlier email in other case), each run, on empty tables:

1. a plain ``COPY`` of the file into a table with the same unique index (workspace_id, email): the
   baseline of the targets;
2. a ``COPY`` of the file into a table shaped like ``leads_lead`` (its columns and indexes, without its
   triggers): what loading the same rows into the contacts table costs at least;
3. the import: POST /api/v1/imports through the API view (DRF's test client, an API key), into a
   campaign with room for every row; a ``celery worker --pool=solo`` process started for the run (so that
   its peak RSS, /proc/<pid>/status VmHWM, is this import's) runs the job; timed until the job
   succeeded;
4. the same import into contacts only (no campaign), for what enrolling costs;
5. the floor: what any import of this file into a campaign has to do at least, in the database, with no
   Python, no chunks, no checks and no report: one ``COPY`` into an unlogged table without indexes, one
   ``INSERT … SELECT … ON CONFLICT DO NOTHING`` of its rows (emails lower-cased and trimmed, rows
   without an "@" left out) into the contacts and one ``INSERT … SELECT`` of their enrollments; once
   into ``leads_lead`` and ``campaigns_enrollment``, once into bare tables of the same columns with only
   what the rules need (primary keys, the email unique per workspace; no triggers, no other index),
   timed, with the CPU seconds of the server process that ran them (``/proc/<pid>/stat``: the server
   must be on this machine);
6. the reading: CPU seconds of parsing and cleaning the file in Python (the import's own reader,
   cleaner and COPY payloads), without a database.

From 5 and 6 comes the best an import that validates rows with this reader could do on this machine:
it needs at least the bare floor's server CPU and the reading's CPU, and has ``os.cpu_count()`` cores
for them, even with the database work split over several connections and nothing else running:
``bound = (bare floor CPU + reading CPU) / cores``; ``bound vs COPY`` is the best ratio to the plain
``COPY`` it allows.

The best of ``--runs`` runs (by import time) is printed with the baselines of that same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python -m benchmarks.import_bench

The Redis database should be one no other worker listens to.
"""

import argparse
import collections
import csv
import itertools
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

from benchmarks.common import throwaway_database

SIZES = (100_000, 1_000_000)
SEED = 5
COLUMNS = [
    "Email",
    "First Name",
    "Last Name",
    "Company",
    "Job Title",
    "Phone",
    "Website",
    "LinkedIn",
    "City",
    "Country",
]
FIRST_NAMES = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Ken",
    "Margaret",
    "José",
    "Zoë",
    "Søren",
]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson", "Müller", "Ørsted"]
COMPANY_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent"]
TITLES = ["Head of Sales", "VP Marketing", "CEO", "Engineer", "Account Executive", "Founder", "CTO"]
PLACES = [("Berlin", "Germany"), ("Austin", "United States"), ("Paris", "France"), ("São Paulo", "Brazil")]
ASCII = str.maketrans({"é": "e", "ë": "e", "ø": "o", "ü": "u", "ã": "a", "Ø": "O"})
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "var" / "bench-data"


def make_csv(rows):
    """The file of ``rows`` rows, written once per size and seed under var/bench-data/."""
    path = DATA / f"import-{rows}-{SEED}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    recent = collections.deque(maxlen=1_000)
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for number in range(rows):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            slug = f"{first}.{last}".lower().translate(ASCII)
            domain = f"{rng.choice(COMPANY_WORDS).lower()}{number % 40_000}.com"
            email = f"{slug}{number}@{domain}"
            recent.append(email)
            if number % 200 == 17:
                email = email.replace("@", "")
            elif number % 200 == 101 and len(recent) == recent.maxlen:
                email = recent[0].upper()
            city, country = rng.choice(PLACES)
            writer.writerow(
                [
                    email,
                    first,
                    last,
                    f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} GmbH",
                    rng.choice(TITLES),
                    f"+1 512 555 {number % 10_000:04d}",
                    domain,
                    f"linkedin.com/in/{slug.replace('.', '-')}-{number}",
                    city,
                    country,
                ]
            )
    partial.rename(path)
    return path


def copy_seconds(dsn, path, table_sql, columns):
    """Seconds of ``COPY … FROM STDIN`` of the file into a fresh table made by ``table_sql``."""
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS copy_target")
        cursor.execute(table_sql)
        connection.commit()
        started = time.perf_counter()
        with open(path, encoding="utf-8") as source:
            cursor.copy_expert(
                f"COPY copy_target ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, HEADER true)", source
            )
        connection.commit()
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE copy_target")
    return elapsed


PLAIN_TABLE = """
    CREATE TABLE copy_target (
        workspace_id bigint NOT NULL DEFAULT 1, email text, first_name text, last_name text,
        company_name text, job_title text, phone text, website text, linkedin_url text, city text,
        country text
    );
    CREATE UNIQUE INDEX copy_target_email ON copy_target (workspace_id, email);
"""
# The contacts table's columns and indexes, without its triggers and without the lower-case check (the
# file's emails are raw).
LEADS_SHAPED_TABLE = """
    CREATE TABLE copy_target (LIKE leads_lead INCLUDING ALL);
    ALTER TABLE copy_target DROP CONSTRAINT lead_email_is_lower_case,
        ALTER COLUMN workspace_id SET DEFAULT 1, ALTER COLUMN custom_fields SET DEFAULT '{}',
        ALTER COLUMN source SET DEFAULT 'import', ALTER COLUMN created_at SET DEFAULT now(),
        ALTER COLUMN updated_at SET DEFAULT now();
"""
FIELDS = [
    "email",
    "first_name",
    "last_name",
    "company_name",
    "job_title",
    "phone",
    "website",
    "linkedin_url",
    "city",
    "country",
]


FLOOR_STAGE = f"CREATE UNLOGGED TABLE floor_stage ({', '.join(f'{name} text' for name in FIELDS)})"
# The floor's statements name the tables they write as {leads} and {enrollments}.
FLOOR_CONTACTS = f"""
    INSERT INTO {{leads}} (workspace_id, {", ".join(FIELDS)}, custom_fields, source, created_at, updated_at)
    SELECT %(workspace)s, lower(btrim(email)), {", ".join(FIELDS[1:])}, '{{{{}}}}', 'import', now(), now()
    FROM floor_stage WHERE email LIKE '%%_@_%%'
    ON CONFLICT (workspace_id, email) DO NOTHING
"""
FLOOR_ENROLLMENTS = """
    INSERT INTO {enrollments} (campaign_id, lead_id, workspace_id, created_at)
    SELECT %(campaign)s, id, workspace_id, now() FROM {leads} WHERE workspace_id = %(workspace)s
"""
# Tables with only what the rules need of them: a contact's id and its email unique in its workspace, an
# enrollment unique per campaign and contact. No triggers, no other index.
BARE_TABLES = """
    CREATE TABLE floor_leads (LIKE leads_lead INCLUDING DEFAULTS INCLUDING IDENTITY);
    ALTER TABLE floor_leads ADD PRIMARY KEY (id), ADD UNIQUE (workspace_id, email);
    CREATE TABLE floor_enrollments (LIKE campaigns_enrollment INCLUDING DEFAULTS);
    ALTER TABLE floor_enrollments ADD PRIMARY KEY (campaign_id, lead_id);
"""
REAL = {"leads": "leads_lead", "enrollments": "campaigns_enrollment"}
BARE = {"leads": "floor_leads", "enrollments": "floor_enrollments"}


def _cpu_seconds(pid):
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def floor_seconds(dsn, path, tables):
    """Seconds and server CPU seconds of the floor (see the module's docstring) into ``tables`` (REAL or
    BARE), into a campaign of a workspace of its own, and the CPU seconds of its steps (staging COPY,
    contacts, enrollments)."""
    from accounts import services as account_services
    from accounts.models import User
    from campaigns import services as campaign_services

    owner = User.objects.create_user(f"floor-{time.monotonic_ns()}@example.com", "bench-password-123")
    workspace = account_services.workspace_create(name="Floor", owner=owner, plan_code="lightspeed")
    campaign = campaign_services.campaign_create(workspace=workspace, name="Floor")
    names = {"workspace": workspace.pk, "campaign": campaign.pk}
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (server,) = cursor.fetchone()
        cursor.execute("DROP TABLE IF EXISTS floor_stage, floor_leads, floor_enrollments")
        cursor.execute(FLOOR_STAGE)
        if tables is BARE:
            cursor.execute(BARE_TABLES)
        connection.commit()
        marks, started = [_cpu_seconds(server)], time.perf_counter()
        with open(path, encoding="utf-8") as source:
            cursor.copy_expert("COPY floor_stage FROM STDIN WITH (FORMAT csv, HEADER true)", source)
        marks.append(_cpu_seconds(server))
        cursor.execute(FLOOR_CONTACTS.format(**tables), names)
        marks.append(_cpu_seconds(server))
        cursor.execute(FLOOR_ENROLLMENTS.format(**tables), names)
        connection.commit()
        elapsed = time.perf_counter() - started
        marks.append(_cpu_seconds(server))
        cursor.execute("DROP TABLE floor_stage")
        if tables is BARE:
            cursor.execute("DROP TABLE floor_leads, floor_enrollments")
    steps = [after - before for before, after in itertools.pairwise(marks)]
    return elapsed, marks[-1] - marks[0], steps


def reading_cpu_seconds(path):
    """CPU seconds of reading the file the way the import does, chunk payloads included, with no
    database."""
    from django.conf import settings

    from campaigns.importing.cleaning import RowCleaner
    from campaigns.importing.mapping import automatic_mapping
    from campaigns.importing.reading import prepared, read_chunks
    from campaigns.importing.sniffing import sniff
    from campaigns.importing.writers import ContactWriter

    with open(path, "rb") as raw:
        found = sniff(raw)
        cleaner = RowCleaner(automatic_mapping(found.headers, found.samples), found.headers)
        started = time.process_time()
        chunks = read_chunks(
            raw,
            encoding=found.encoding,
            delimiter=found.delimiter,
            width=len(found.headers),
            cleaner=cleaner,
            chunk_rows=settings.IMPORT_CHUNK_ROWS,
        )
        for _ in prepared(chunks, ContactWriter.prepare):
            pass
        return time.process_time() - started


def empty_the_tables():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE leads_lead, campaigns_enrollment, campaigns_importskippedrow, campaigns_importjob "
            "CASCADE"
        )


def start_worker(environment):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def peak_rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def suppress_some(workspace, path, count):
    """Puts ``count`` addresses of the file, evenly spread, on the workspace's suppression list (rule 20):
    the import checks every row against it, and those rows land in the ``suppressed`` bucket."""
    from leads.services import MAX_SUPPRESSIONS_PER_CALL, suppression_add

    with open(path, encoding="utf-8", newline="") as source:
        emails = [row[0] for row in itertools.islice(csv.reader(source), 1, None)]
    picked = emails[:: max(1, len(emails) // count)][:count]
    for start in range(0, len(picked), MAX_SUPPRESSIONS_PER_CALL):
        suppression_add(workspace=workspace, values=picked[start : start + MAX_SUPPRESSIONS_PER_CALL])


def measure_import(path, rows, environment, run, *, into_campaign=True, suppressions=0):
    """Seconds to upload (POST answered 202) and to import (202 → succeeded); the worker's peak RSS."""
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from rest_framework.test import APIClient

    from accounts import services as account_services
    from accounts.models import User
    from billing import services as billing_services
    from campaigns import services as campaign_services
    from campaigns.models import ImportJob

    label = "campaign" if into_campaign else "contacts"
    owner = User.objects.create_user(f"bench{rows}-{run}-{label}@example.com", "bench-password-123")
    workspace = account_services.workspace_create(name="Bench", owner=owner, plan_code="lightspeed")
    billing_services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=40)
    if suppressions:
        suppress_some(workspace, path, suppressions)
    campaign = (
        campaign_services.campaign_create(workspace=workspace, name="Everyone") if into_campaign else None
    )
    _, key = account_services.api_key_create(workspace=workspace, name="bench", created_by=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    from config.celery import app

    worker = start_worker(environment)
    try:
        while not app.control.ping(timeout=0.5):
            if worker.poll() is not None:
                raise RuntimeError("the worker stopped")
        upload = TemporaryUploadedFile("leads.csv", "text/csv", path.stat().st_size, "utf-8")
        with open(path, "rb") as source:
            while block := source.read(1 << 20):
                upload.write(block)
        upload.seek(0)
        body = {"file": upload} if campaign is None else {"file": upload, "campaign": campaign.pk}
        started = time.perf_counter()
        response = client.post("/api/v1/imports", body, format="multipart")
        accepted = time.perf_counter()
        if response.status_code != 202:
            raise RuntimeError(f"upload answered {response.status_code}: {response.content[:300]!r}")
        job_id = response.json()["id"]
        while True:
            job = ImportJob.objects.unscoped().get(pk=job_id)
            if job.is_finished:
                break
            if worker.poll() is not None:
                raise RuntimeError(
                    f"the worker stopped (exit code {worker.returncode}) with the job {job.status}"
                )
            time.sleep(0.05)
        finished = time.perf_counter()
        if job.status != ImportJob.Status.SUCCEEDED or job.rows_total != rows:
            raise RuntimeError(f"job {job.status} with {job.rows_total} rows: {job.error}")
        rss = peak_rss_mb(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    counts = (
        f"{job.created:,} created, {job.invalid:,} invalid, {job.duplicates:,} duplicates, "
        f"{job.suppressed:,} suppressed"
    )
    return accepted - started, finished - accepted, rss, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the best is printed (default 3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="rows of each file")
    parser.add_argument(
        "--campaign-only", action="store_true", help="skip the contacts-only import (faster, for profiling)"
    )
    parser.add_argument(
        "--suppressions",
        type=int,
        default=0,
        help="addresses of the file on the workspace's suppression list (default 0: an empty list)",
    )
    options = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL=redis://…: the import runs in a Celery worker.")
    files = {rows: make_csv(rows) for rows in options.sizes}

    with throwaway_database() as name, tempfile.TemporaryDirectory() as media:
        from django.conf import settings
        from django.db import connection

        settings.MEDIA_ROOT = media
        db = connection.settings_dict
        dsn = f"dbname={name} user={db['USER']} host={db['HOST']} port={db['PORT']} password={db['PASSWORD']}"
        environment = {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "import-benchmark-secret-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DJANGO_MEDIA_ROOT": media,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        results = []
        cores = os.cpu_count()
        for rows, path in files.items():
            best = None
            for run in range(options.runs):
                empty_the_tables()
                plain = copy_seconds(dsn, path, PLAIN_TABLE, FIELDS)
                shaped = copy_seconds(dsn, path, LEADS_SHAPED_TABLE, FIELDS)
                empty_the_tables()
                floor_real, _, _ = floor_seconds(dsn, path, REAL)
                empty_the_tables()
                floor, floor_cpu, steps = floor_seconds(dsn, path, BARE)
                reading = reading_cpu_seconds(path)
                bound = (floor_cpu + reading) / cores
                empty_the_tables()
                upload, imported, rss, counts = measure_import(
                    path, rows, environment, run, suppressions=options.suppressions
                )
                contacts_only = float("nan")
                if not options.campaign_only:
                    empty_the_tables()
                    _, contacts_only, _, _ = measure_import(
                        path, rows, environment, run, into_campaign=False, suppressions=options.suppressions
                    )
                print(
                    f"{rows:>9,} rows, run {run + 1}: COPY {plain:.2f} s, leads-shaped COPY {shaped:.2f} s, "
                    f"floor {floor_real:.2f} s, bare floor {floor:.2f} s ({floor_cpu:.2f} s server CPU: "
                    f"{' + '.join(f'{step:.2f}' for step in steps)} staging, contacts, enrollments), "
                    f"reading {reading:.2f} s CPU, "
                    f"upload {upload:.2f} s, import {imported:.2f} s (contacts only {contacts_only:.2f} s), "
                    f"worker peak RSS {rss:.0f} MB ({counts})",
                    flush=True,
                )
                if best is None or imported < best[3]:
                    best = (
                        rows,
                        plain,
                        shaped,
                        imported,
                        contacts_only,
                        upload,
                        rss,
                        path.stat().st_size,
                        floor_real,
                        floor,
                        floor_cpu,
                        reading,
                        bound,
                    )
            results.append(best)

    print(f"\nBest run of each size (PostgreSQL, one Celery worker --pool=solo, {cores} cores)")
    header = (
        f"{'rows':>10} {'file MB':>8} {'COPY s':>7} {'shaped COPY s':>13} {'upload s':>9} {'import s':>9} "
        f"{'rows/s':>8} {'vs COPY':>8} {'contacts only s':>15} {'peak RSS MB':>12}"
    )
    print(header)
    print("-" * len(header))
    for rows, plain, shaped, imported, contacts_only, upload, rss, size, *_ in results:
        print(
            f"{rows:>10,} {size / 1e6:>8.0f} {plain:>7.2f} {shaped:>13.2f} {upload:>9.2f} {imported:>9.2f} "
            f"{rows / imported:>8,.0f} {plain / imported:>8.2f} {contacts_only:>15.2f} {rss:>12.0f}"
        )
    print(
        "import s, rows/s and vs COPY (COPY's time / the import's) count from the upload accepted to the job "
        "succeeded, into a campaign."
    )
    print("\nThe floor in the same runs: the least any import into a campaign could take on this machine")
    header = (
        f"{'rows':>10} {'COPY s':>7} {'floor s':>8} {'bare floor s':>13} {'its CPU s':>10} "
        f"{'reading CPU s':>14} {'bound s':>8} {'bound vs COPY':>14} {'import s':>9}"
    )
    print(header)
    print("-" * len(header))
    for rows, plain, _, imported, *_, floor_real, floor, floor_cpu, reading, bound in results:
        print(
            f"{rows:>10,} {plain:>7.2f} {floor_real:>8.2f} {floor:>13.2f} {floor_cpu:>10.2f} "
            f"{reading:>14.2f} {bound:>8.2f} {plain / bound:>14.2f} {imported:>9.2f}"
        )
    print(
        "floor: into leads_lead and campaigns_enrollment; bare floor: into tables with only their primary "
        "keys and the unique email, no triggers.\nbound = (bare floor's CPU + reading CPU) / cores: any "
        "import has at least the bare floor's database work and the reading's Python work to do, on these "
        "cores."
    )


if __name__ == "__main__":
    main()
