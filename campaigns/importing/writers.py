"""Writes one chunk of cleaned rows into the workspace's contacts; the pipeline calls it inside the
chunk's transaction. Which rows repeat an email of an earlier chunk is told by a table of the contacts
this file has created or found so far, with the row of each (a temporary table of the worker's
connection, rebuilt from the file after a restart), so memory does not grow with the file.

``PostgresContactWriter`` streams the chunk into a staging table with COPY and writes it with set-based
``INSERT … ON CONFLICT``; ``OrmContactWriter`` does the same with the ORM's bulk operations (SQLite).
"""

import csv
import io
import json
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from campaigns.models import ImportSkippedRow
from leads.models import Lead
from leads.normalization import LEAD_FIELDS

OTHER_FIELDS = LEAD_FIELDS[1:]
STAGE = "import_stage"
UNIQUE_EMAIL = "lead_email_unique_per_workspace"
# COPY reads its source in blocks of this many characters, each read taking the GIL, which the reading
# thread holds while it parses: psycopg2's default of 8 KB cost thousands of waits per chunk (4 of the
# 34 s of a 1,000,000-row import). A chunk's CSV text is a few MB: a handful of reads.
COPY_BUFFER = 1 << 20


class Written(NamedTuple):
    """What one chunk's rows came to, each list in file order: the rows that made new contacts
    (``created_rows``, their contacts' ids in ``created_ids``), the rows of contacts the workspace had
    (``existing``: (row_number, lead_id)), and the rows whose contact an earlier chunk of the file had
    already created or found (``duplicates``: (row_number, that chunk's row_number))."""

    created_rows: list
    created_ids: list
    existing: list
    duplicates: list


def writer_for(job, fields):
    writer = PostgresContactWriter if connection.vendor == "postgresql" else OrmContactWriter
    return writer(job, fields)


class _ContactWriter:
    """``fields``: the mapped lead fields, email first; a row is ``(row_number, email, <the other
    fields>, custom_fields as JSON)``."""

    # The first row of the file for each contact it created or found so far (the first wins).
    seen_columns = "lead_id bigint PRIMARY KEY, row_number integer"

    def __init__(self, job, fields):
        self.job = job
        self.workspace_id = job.workspace_id
        self.fields = list(fields)
        self.update = job.on_duplicate == job.OnDuplicate.UPDATE
        self.seen = f"import_seen_{job.pk}"

    def open(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.seen}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.seen} ({self.seen_columns})")

    def close(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.seen}")


def _csv_text(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    return buffer


def _csv_bytes(rows):
    """The rows as UTF-8 CSV: a quarter of the memory of the text (a StringIO holding accented text keeps
    four bytes a character), for the chunks that wait their turn."""
    return io.BytesIO(_csv_text(rows).getvalue().encode())


class PostgresContactWriter(_ContactWriter):
    """A chunk's payload is its rows as CSV text, made while the database writes the chunk before.

    The table of the contacts seen so far is keyed by contact, not by email: the ids of the contacts a
    chunk creates come in order from the identity sequence, which makes recording them cheap next to
    indexing a million emails a second time.
    """

    prepare = staticmethod(_csv_bytes)

    def open(self):
        super().open()
        columns = ", ".join(f"{name} text" for name in LEAD_FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} "
                f"(row_number integer, {columns}, custom_fields jsonb)"
            )

    def _stage(self, cursor, payload):
        # Temporary tables have no statistics: on the planner's wild estimates the JIT would compile every
        # statement of the chunk (which costs more than running it) and merge joins would sort what a
        # hash join of a chunk's size does at once.
        cursor.execute("SET LOCAL jit = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '32MB'")
        cursor.execute(f"TRUNCATE {STAGE}")
        columns = ", ".join(["row_number", *self.fields, "custom_fields"])
        text = ", ".join(self.fields)
        payload.seek(0)
        cursor.copy_expert(
            f"COPY {STAGE} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({text}))",
            payload,
            COPY_BUFFER,
        )

    def remember(self, payload):
        """Records the contacts of a chunk committed before a restart, as ``write`` had."""
        leads = connection.ops.quote_name(Lead._meta.db_table)
        with connection.cursor() as cursor:
            self._stage(cursor, payload)
            cursor.execute(
                f"""
                INSERT INTO {self.seen} (lead_id, row_number)
                SELECT found.lead_id, found.row_number FROM (
                    SELECT s.row_number,
                           (SELECT l.id FROM {leads} l WHERE l.workspace_id = %s AND l.email = s.email)
                               AS lead_id
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
        return Written(created_rows, created_ids, existing, duplicates)

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
                WHERE (SELECT l.id FROM {leads} l WHERE l.workspace_id = %(workspace)s AND l.email = s.email)
                      IS NULL
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
                SELECT s.row_number,
                       (SELECT l.id FROM {leads} l WHERE l.workspace_id = %s AND l.email = s.email) AS lead_id
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

    def write_skipped(self, skipped):
        table = connection.ops.quote_name(ImportSkippedRow._meta.db_table)
        rows = ((self.workspace_id, self.job.pk, *row) for row in skipped)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table} (workspace_id, job_id, row_number, bucket, reason) "
                "FROM STDIN WITH (FORMAT csv)",
                _csv_text(rows),
            )


class OrmContactWriter(_ContactWriter):
    """A chunk's payload is its rows. The emails seen so far are the table's key (no ids in order to
    lean on here)."""

    seen_columns = "email text PRIMARY KEY, row_number integer"

    @staticmethod
    def prepare(rows):
        return rows

    def remember(self, rows):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.seen} (email, row_number) VALUES (%s, %s) "  # noqa: S608
                "ON CONFLICT (email) DO NOTHING",
                [(row[1], row[0]) for row in rows],
            )

    def _earlier(self, emails):
        found = {}
        with connection.cursor() as cursor:
            for start in range(0, len(emails), 500):
                batch = emails[start : start + 500]
                marks = ", ".join(["%s"] * len(batch))
                cursor.execute(
                    f"SELECT email, row_number FROM {self.seen} WHERE email IN ({marks})",  # noqa: S608
                    batch,
                )
                found.update(cursor.fetchall())
        return found

    def write(self, rows):
        earlier = self._earlier([row[1] for row in rows])
        fresh = [row for row in rows if row[1] not in earlier]
        self.remember(fresh)
        contacts = Lead.objects.for_workspace(self.job.workspace)
        id_of = dict(contacts.filter(email__in=[row[1] for row in fresh]).values_list("email", "pk"))
        existing = set(id_of)
        Lead.objects.bulk_create(
            [self._lead(row) for row in fresh if row[1] not in existing],
            batch_size=500,
            ignore_conflicts=True,
        )
        id_of.update(
            contacts.filter(email__in=[row[1] for row in fresh if row[1] not in existing]).values_list(
                "email", "pk"
            )
        )
        if self.update and existing:
            self._update([row for row in fresh if row[1] in existing], id_of)
        written = Written([], [], [], [])
        for row_number, email, *_ in rows:
            if email in earlier:
                written.duplicates.append((row_number, earlier[email]))
            elif email in existing:
                written.existing.append((row_number, id_of[email]))
            else:
                written.created_rows.append(row_number)
                written.created_ids.append(id_of[email])
        return written

    def _values(self, row):
        return dict(zip(self.fields, row[1:-1], strict=True))

    def _lead(self, row):
        return Lead(
            workspace_id=self.workspace_id,
            source=Lead.Source.IMPORT,
            custom_fields=json.loads(row[-1]),
            **self._values(row),
        )

    def _update(self, rows, id_of):
        leads = Lead.objects.for_workspace(self.job.workspace).in_bulk([id_of[row[1]] for row in rows])
        changed = []
        for row in rows:
            lead = leads[id_of[row[1]]]
            for name, value in self._values(row).items():
                if value:
                    setattr(lead, name, value)
            lead.custom_fields = {**lead.custom_fields, **json.loads(row[-1])}
            lead.updated_at = timezone.now()
            changed.append(lead)
        Lead.objects.for_workspace(self.job.workspace).bulk_update(
            changed, [*self.fields[1:], "custom_fields", "updated_at"], batch_size=500
        )

    def write_skipped(self, skipped):
        ImportSkippedRow.objects.bulk_create(
            [
                ImportSkippedRow(
                    workspace_id=self.workspace_id,
                    job=self.job,
                    row_number=row_number,
                    bucket=bucket,
                    reason=reason,
                )
                for row_number, bucket, reason in skipped
            ],
            batch_size=500,
        )
