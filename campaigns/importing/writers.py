"""Writes one chunk of cleaned rows into the workspace's contacts; the pipeline calls it inside the
chunk's transaction. Which rows repeat an email of an earlier chunk is told by a table of the contacts
this file has created or found so far, with the row of each (rebuilt from the file after a restart), so
memory does not grow with the file.

``ContactWriter`` streams the chunk into a staging table with COPY and writes it with set-based SQL.

Nothing lives in the database session from one transaction to the next (behind PgBouncer in transaction
mode each transaction may run on another server connection; docs/database.md): the staging table is a
temporary table made, if that server connection has none yet, inside the chunk's transaction; the table of
the contacts seen is an ordinary unlogged table named after the job and its run (``seen_table``), dropped
when the run ends, by the job's next run if it died, or by ``seen_tables_drop`` once the job is over.
"""

import csv
import io
import re
import zlib
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from campaigns.models import ImportJob, ImportSkippedRow
from leads.models import Lead, Suppression
from leads.normalization import LEAD_FIELDS
from leads.selectors import suppression_match

OTHER_FIELDS = LEAD_FIELDS[1:]
STAGE_COLUMNS = ", ".join(f"{name} text" for name in LEAD_FIELDS)
# Named after its columns: a pooled server connection outlives a deploy that changes them.
STAGE = f"import_stage_{zlib.crc32(STAGE_COLUMNS.encode()):08x}"
SEEN_TABLE = re.compile(r"import_seen_(\d+)_[0-9a-f]+")
UNIQUE_EMAIL = "lead_email_unique_per_workspace"
# COPY reads its source in blocks of this many characters, each read taking the GIL, which the reading
# thread holds while it parses: psycopg2's default of 8 KB cost thousands of waits per chunk (4 of the
# 34 s of a 1,000,000-row import). A chunk's CSV text is a few MB: a handful of reads.
COPY_BUFFER = 1 << 20


def _lead_of_staged_row(leads, workspace):
    """SQL: the id of the workspace's contact with the staged row ``s``'s email, looked up in the (workspace,
    email) index. The workspace is a value the planner does not see (an InitPlan): a workspace its
    statistics do not know (created since the last ANALYZE, when those it knows have every contact) is
    estimated at one row, and the planner would read all its contacts by id for every staged row."""
    return (
        f"(SELECT l.id FROM {leads} l "  # noqa: S608 - the table's name from the model, a placeholder
        f"WHERE l.workspace_id = (SELECT {workspace}::bigint) AND l.email = s.email)"
    )


class Written(NamedTuple):
    """What one chunk's rows came to, each list in file order: the rows that made new contacts
    (``created_rows``, their contacts' ids in ``created_ids``), the rows of contacts the workspace had
    (``existing``: (row_number, lead_id)), the rows whose contact an earlier chunk of the file had
    already created or found (``duplicates``: (row_number, that chunk's row_number)), and the rows whose
    email is on the workspace's suppression list (``suppressed``: row numbers), which wrote nothing."""

    created_rows: list
    created_ids: list
    existing: list
    duplicates: list
    suppressed: list


def _csv_text(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    return buffer


def _csv_bytes(rows):
    """The rows as UTF-8 CSV: a quarter of the memory of the text (a StringIO holding accented text keeps
    four bytes a character), for the chunks that wait their turn."""
    return io.BytesIO(_csv_text(rows).getvalue().encode())


def seen_table(job):
    """The name of the table of the contacts seen by ``job``'s current run (``job.runner``)."""
    return f"import_seen_{job.pk}_{job.runner.hex[:12]}"


def _seen_tables(cursor):
    """(name, job id) of every table of contacts seen, of any run."""
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
        ["import\\_seen\\_%"],
    )
    found = (SEEN_TABLE.fullmatch(name) for (name,) in cursor.fetchall())
    return [(match.group(0), int(match.group(1))) for match in found if match]


def seen_tables_drop():
    """Drops the tables of contacts seen of jobs no longer running (over, or gone): those of a run that
    died and whose job was not resumed. Returns how many."""
    with connection.cursor() as cursor:
        tables = _seen_tables(cursor)
        # Read after the tables were listed: the job of a table listed was running before it was made.
        running = set(
            ImportJob.objects.unscoped()
            .filter(pk__in={job_id for _, job_id in tables}, status=ImportJob.Status.RUNNING)
            .values_list("pk", flat=True)
        )
        stale = [name for name, job_id in tables if job_id not in running]
        for name in stale:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
    return len(stale)


class ContactWriter:
    """``fields``: the mapped lead fields, email first; a row is ``(row_number, email, <the other
    fields>, custom_fields as JSON)``. A chunk's payload is its rows as CSV text, made while the database
    writes the chunk before.

    The table of the contacts seen so far (the file's first row for each contact it created or found; the
    first wins) is keyed by contact, not by email: the ids of the contacts a chunk creates come in order
    from the identity sequence, which makes recording them cheap next to indexing a million emails a second
    time.
    """

    prepare = staticmethod(_csv_bytes)

    def __init__(self, job, fields):
        self.job = job
        self.workspace_id = job.workspace_id
        self.fields = list(fields)
        self.update = job.on_duplicate == job.OnDuplicate.UPDATE
        self.seen = seen_table(job)

    def open(self):
        with connection.cursor() as cursor:
            # An earlier run of this job died and left its table (one that lost the job writes no more).
            for name, job_id in _seen_tables(cursor):
                if job_id == self.job.pk:
                    cursor.execute(f"DROP TABLE IF EXISTS {name}")
            # Unlogged: nothing to replay after a crash, which a resumed run rebuilds from the file anyway.
            cursor.execute(
                f"CREATE UNLOGGED TABLE {self.seen} (lead_id bigint PRIMARY KEY, row_number integer)"
            )

    def close(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.seen}")

    def _stage(self, cursor, payload):
        # Temporary tables have no statistics: on the planner's wild estimates the JIT would compile every
        # statement of the chunk (which costs more than running it) and merge joins would sort what a
        # hash join of a chunk's size does at once.
        cursor.execute("SET LOCAL jit = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '32MB'")
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} "
            f"(row_number integer, {STAGE_COLUMNS}, custom_fields jsonb)"
        )
        cursor.execute(f"TRUNCATE {STAGE}")
        columns = ", ".join(["row_number", *self.fields, "custom_fields"])
        text = ", ".join(self.fields)
        payload.seek(0)
        cursor.copy_expert(
            f"COPY {STAGE} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({text}))",
            payload,
            COPY_BUFFER,
        )

    def _drop_suppressed(self, cursor):
        """Takes the rows whose email is suppressed (rule 20) out of the staged chunk: they neither create
        nor update a contact. Two probes of the list's index per row, and none while the list is empty
        (asked again for each chunk: an entry added during the import counts from the next chunk)."""
        table = connection.ops.quote_name(Suppression._meta.db_table)
        cursor.execute(f"SELECT EXISTS (SELECT FROM {table} WHERE workspace_id = %s)", [self.workspace_id])  # noqa: S608
        if not cursor.fetchone()[0]:
            return []
        cursor.execute(
            f"DELETE FROM {STAGE} s WHERE {suppression_match('%(workspace)s', 's.email')} "  # noqa: S608
            "RETURNING s.row_number",
            {"workspace": self.workspace_id},
        )
        return sorted(row_number for (row_number,) in cursor.fetchall())

    def remember(self, payload):
        """Records the contacts of a chunk committed before a restart, as ``write`` had."""
        leads = connection.ops.quote_name(Lead._meta.db_table)
        with connection.cursor() as cursor:
            self._stage(cursor, payload)
            self._drop_suppressed(cursor)
            cursor.execute(
                f"""
                INSERT INTO {self.seen} (lead_id, row_number)
                SELECT found.lead_id, found.row_number FROM (
                    SELECT s.row_number, {_lead_of_staged_row(leads, "%s")} AS lead_id
                    FROM {STAGE} s
                ) AS found
                WHERE found.lead_id IS NOT NULL
                ORDER BY found.row_number
                ON CONFLICT (lead_id) DO NOTHING
                """,  # noqa: S608
                [self.workspace_id],
            )

    def write(self, payload):
        leads = connection.ops.quote_name(Lead._meta.db_table)
        now = timezone.now()
        with connection.cursor() as cursor:
            self._stage(cursor, payload)
            suppressed = self._drop_suppressed(cursor)
            try:
                with transaction.atomic():
                    self._create(cursor, leads, now, on_conflict="")
            except IntegrityError as exc:
                # Another transaction committed one of these emails after the statement looked for it:
                # the statement again, leaving such contacts as they are (they count as existing).
                if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) != UNIQUE_EMAIL:
                    raise
                on_conflict = "ON CONFLICT (workspace_id, email) DO NOTHING"
                self._create(cursor, leads, now, on_conflict=on_conflict)
            created_rows, created_ids, other_rows = (values or [] for values in cursor.fetchone())
            existing, duplicates = [], []
            if other_rows:
                existing, duplicates = self._found(cursor, leads, other_rows)
                if self.update and existing:
                    self._update(cursor, leads, [lead_id for _, lead_id in existing], now)
        return Written(created_rows, created_ids, existing, duplicates, suppressed)

    def _create(self, cursor, leads, now, *, on_conflict):
        """One statement: creates the contacts the workspace does not have, records them as seen, and
        returns the rows that created them with their ids, and the other rows. Inserting only the emails
        not found costs a third less than an ``INSERT … ON CONFLICT`` of them all."""
        values = ", ".join(f"s.{name}" if name in self.fields else "''" for name in OTHER_FIELDS)
        cursor.execute(
            f"""
            WITH created AS (
                INSERT INTO {leads} (workspace_id, email, {", ".join(OTHER_FIELDS)}, custom_fields,
                                     source, created_at, updated_at)
                SELECT %(workspace)s, s.email, {values}, s.custom_fields, %(source)s, %(now)s, %(now)s
                FROM {STAGE} s
                -- A scalar subquery probes the index for each row: the planner's guess of the staged rows
                -- can make a NOT EXISTS scan all the workspace's contacts for every chunk.
                WHERE {_lead_of_staged_row(leads, "%(workspace)s")} IS NULL
                ORDER BY s.row_number
                {on_conflict}
                RETURNING id, email
            ), numbered AS (
                SELECT s.row_number, c.id FROM created c JOIN {STAGE} s ON s.email = c.email
            ), recorded AS (
                INSERT INTO {self.seen} (lead_id, row_number) SELECT id, row_number FROM numbered
            )
            SELECT (SELECT array_agg(row_number ORDER BY row_number) FROM numbered),
                   (SELECT array_agg(id ORDER BY row_number) FROM numbered),
                   (SELECT array_agg(s.row_number ORDER BY s.row_number) FROM {STAGE} s
                    WHERE NOT EXISTS (SELECT FROM created c WHERE c.email = s.email))
            """,  # noqa: S608 - names come from this module and the models, values are parameters
            {"workspace": self.workspace_id, "source": Lead.Source.IMPORT, "now": now},
        )

    def _found(self, cursor, leads, row_numbers):
        """The rows of contacts that were there before this chunk: the file's first sight of each (which
        is recorded) and the repeats of a contact an earlier chunk had."""
        # A separate statement, so that it sees a contact another transaction committed meanwhile.
        cursor.execute(
            f"""
            SELECT found.row_number, found.lead_id, first.row_number FROM (
                SELECT s.row_number, {_lead_of_staged_row(leads, "%s")} AS lead_id
                FROM unnest(%s::integer[]) AS wanted (row_number)
                JOIN {STAGE} s ON s.row_number = wanted.row_number
            ) AS found
            LEFT JOIN {self.seen} first ON first.lead_id = found.lead_id
            ORDER BY found.row_number
            """,  # noqa: S608
            [self.workspace_id, row_numbers],
        )
        existing, duplicates = [], []
        for row_number, lead_id, first_row in cursor.fetchall():
            if first_row is None:
                existing.append((row_number, lead_id))
            else:
                duplicates.append((row_number, first_row))
        if existing:
            cursor.execute(
                f"INSERT INTO {self.seen} (lead_id, row_number) "
                "SELECT unnest(%s::bigint[]), unnest(%s::integer[])",
                [[lead_id for _, lead_id in existing], [row_number for row_number, _ in existing]],
            )
        return existing, duplicates

    def _update(self, cursor, leads, lead_ids, now):
        """The file's non-empty values replace the contact's; its custom fields are merged in."""
        assignments = "".join(
            f"{name} = CASE WHEN s.{name} = '' THEN l.{name} ELSE s.{name} END, " for name in self.fields[1:]
        )
        cursor.execute(
            f"""
            UPDATE {leads} l SET {assignments}custom_fields = l.custom_fields || s.custom_fields,
                   updated_at = %s
            FROM {STAGE} s
            WHERE l.id = ANY(%s) AND s.email = l.email
            """,  # noqa: S608
            [now, lead_ids],
        )

    def write_skipped(self, skipped, warnings, kept=None):
        """``skipped``: (row_number, bucket, reason); ``warnings``: each listed row's dropped values;
        ``kept``: the contact each over-limit row kept (row → lead id)."""
        table = connection.ops.quote_name(ImportSkippedRow._meta.db_table)
        kept = kept or {}
        rows = (
            (self.workspace_id, self.job.pk, *row, warnings.get(row[0], ""), kept.get(row[0], ""))
            for row in skipped
        )
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table} (workspace_id, job_id, row_number, bucket, reason, warnings, lead_id) "
                "FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (reason, warnings))",
                _csv_text(rows),
            )
