"""Writes one chunk of cleaned rows into the workspace's contacts; the pipeline calls it inside the
chunk's transaction. Which rows repeat an email of an earlier chunk is told by a table of the emails
this file has had so far (a temporary table of the worker's connection, rebuilt from the file after a
restart), so memory does not grow with the file.

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

NEW, EXISTING, DUPLICATE = "new", "existing", "duplicate"
OTHER_FIELDS = LEAD_FIELDS[1:]
STAGE = "import_stage"
UNIQUE_EMAIL = "lead_email_unique_per_workspace"


class Outcome(NamedTuple):
    """A row's contact: NEW (created now), EXISTING (the workspace had it), or DUPLICATE (an earlier
    chunk had its email, at ``first_row``)."""

    row_number: int
    kind: str
    lead_id: int | None
    first_row: int | None


def writer_for(job, fields):
    writer = PostgresContactWriter if connection.vendor == "postgresql" else OrmContactWriter
    return writer(job, fields)


class _ContactWriter:
    """``fields``: the mapped lead fields, email first; a row is ``(row_number, email, <the other
    fields>, custom_fields as JSON)``."""

    def __init__(self, job, fields):
        self.job = job
        self.workspace_id = job.workspace_id
        self.fields = list(fields)
        self.update = job.on_duplicate == job.OnDuplicate.UPDATE
        self.seen = f"import_seen_{job.pk}"

    def open(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.seen}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.seen} (email text PRIMARY KEY, row_number integer)")

    def close(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.seen}")


def _csv_text(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    return buffer


class PostgresContactWriter(_ContactWriter):
    """A chunk's payload is its rows as CSV text, made while the database writes the chunk before."""

    prepare = staticmethod(_csv_text)

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
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL work_mem = '32MB'")  # sorts a chunk in memory
        cursor.execute(f"TRUNCATE {STAGE}")
        columns = ", ".join(["row_number", *self.fields, "custom_fields"])
        text = ", ".join(self.fields)
        payload.seek(0)
        cursor.copy_expert(
            f"COPY {STAGE} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({text}))", payload
        )

    def remember(self, payload):
        with connection.cursor() as cursor:
            self._stage(cursor, payload)
            cursor.execute(
                f"INSERT INTO {self.seen} (email, row_number) SELECT email, row_number FROM {STAGE} "  # noqa: S608
                "ON CONFLICT (email) DO NOTHING"
            )

    def write(self, payload):
        leads = connection.ops.quote_name(Lead._meta.db_table)
        now = timezone.now()
        with connection.cursor() as cursor:
            self._stage(cursor, payload)
            try:
                with transaction.atomic():
                    self._claim_and_create(cursor, leads, now, on_conflict="")
            except IntegrityError as exc:
                # Another transaction committed one of these emails after the statement looked for it:
                # the statement again, leaving such contacts as they are (they count as existing).
                if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) != UNIQUE_EMAIL:
                    raise
                on_conflict = "ON CONFLICT (workspace_id, email) DO NOTHING"
                self._claim_and_create(cursor, leads, now, on_conflict=on_conflict)
            found = cursor.fetchall()
            existing = [email for *_, email in found if email is not None]
            # A separate statement, so that it sees a contact another transaction committed meanwhile;
            # a subquery per email probes the (workspace, email) index, whatever the statistics (which
            # lag behind an import) say about how many contacts the workspace has.
            id_of = {}
            if existing:
                cursor.execute(
                    f"""
                    SELECT email, (SELECT id FROM {leads} WHERE workspace_id = %s AND email = wanted.email)
                    FROM unnest(%s::text[]) AS wanted (email)
                    """,  # noqa: S608
                    [self.workspace_id, existing],
                )
                id_of = dict(cursor.fetchall())
                if self.update:
                    self._update(cursor, leads, list(id_of.values()), now)
        return [
            Outcome(row_number, kind, lead_id if email is None else id_of[email], first_row)
            for row_number, kind, lead_id, first_row, email in found
        ]

    def _claim_and_create(self, cursor, leads, now, *, on_conflict):
        """One statement: claim each email for this file (an email claimed by an earlier chunk is a
        duplicate), create the contacts the workspace does not have, and say which row got what. Inserting
        the emails not found costs a third less than an ``INSERT … ON CONFLICT`` of them all."""
        values = ", ".join(f"s.{name}" if name in self.fields else "''" for name in OTHER_FIELDS)
        cursor.execute(
            f"""
            WITH fresh AS (
                INSERT INTO {self.seen} (email, row_number)
                SELECT email, row_number FROM {STAGE}
                ON CONFLICT (email) DO NOTHING
                RETURNING email
            ), created AS (
                INSERT INTO {leads} (workspace_id, email, {", ".join(OTHER_FIELDS)}, custom_fields,
                                     source, created_at, updated_at)
                SELECT %(workspace)s, s.email, {values}, s.custom_fields, %(source)s, %(now)s, %(now)s
                FROM {STAGE} s JOIN fresh f ON f.email = s.email
                -- A scalar subquery probes the index for each row: the planner's guess of the staged rows
                -- can make a NOT EXISTS scan all the workspace's contacts for every chunk.
                WHERE (SELECT l.id FROM {leads} l WHERE l.workspace_id = %(workspace)s AND l.email = s.email)
                      IS NULL
                ORDER BY s.row_number
                {on_conflict}
                RETURNING id, email
            )
            SELECT s.row_number,
                   CASE WHEN f.email IS NULL THEN %(duplicate)s
                        WHEN c.id IS NULL THEN %(existing)s ELSE %(new)s END,
                   c.id,
                   CASE WHEN f.email IS NULL
                        THEN (SELECT p.row_number FROM {self.seen} p WHERE p.email = s.email) END,
                   CASE WHEN f.email IS NOT NULL AND c.id IS NULL THEN s.email END
            FROM {STAGE} s
            LEFT JOIN fresh f ON f.email = s.email
            LEFT JOIN created c ON c.email = s.email
            ORDER BY s.row_number
            """,  # noqa: S608 - names come from this module and the models, values are parameters
            {
                "workspace": self.workspace_id,
                "source": Lead.Source.IMPORT,
                "now": now,
                "duplicate": DUPLICATE,
                "existing": EXISTING,
                "new": NEW,
            },
        )

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
    """A chunk's payload is its rows."""

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
        outcomes = []
        for row in rows:
            email = row[1]
            if email in earlier:
                outcomes.append(Outcome(row[0], DUPLICATE, None, earlier[email]))
            else:
                outcomes.append(Outcome(row[0], EXISTING if email in existing else NEW, id_of[email], None))
        return outcomes

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
