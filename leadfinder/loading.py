"""Loading the Lead Finder's prospect database, for the operator commands (``seed_prospects``,
``load_prospects``, ``seed_demo``) and the benchmarks: synthetic prospects by COPY, a data vendor's file in
batches. Each ends by analyzing the prospect table: until autovacuum gets to it, the planner would take
the table for the size it had before (a search mix ran 5x slower right after seeding 1,000,000 rows).
"""

import csv
import io
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from leadfinder.models import PROSPECT_FIELDS, EmailStatus, Prospect
from leadfinder.normalization import VENDOR_COLUMNS, clean_prospect
from leadfinder.synthetic import ProspectGenerator
from leads.normalization import InvalidLead

BATCH_SIZE = 2_000
# A synthetic prospect's columns: its data, and when it was made.
SEED_COLUMNS = [*PROSPECT_FIELDS, "created_at"]
SEED_CHUNK = 100_000
# From this many prospects into an empty table, seeding builds the secondary indexes once at the end rather
# than row by row (10,000,000 in minutes rather than a quarter of an hour; docs/benchmarks.md).
BULK_SEED_MIN = 1_000_000
# Memory for each of those index builds: a GIN index built in memory is built in one pass.
BULK_INDEX_MEMORY = "1GB"


class _CsvStream:
    """A read-only file of CSV text made from an iterator of rows, for ``COPY … FROM STDIN``."""

    def __init__(self, rows: Iterator[Sequence[object]]) -> None:
        self._rows = rows
        self._chunk = ""
        self._position = 0

    def _refill(self) -> bool:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(islice(self._rows, 5_000))
        self._chunk, self._position = buffer.getvalue(), 0
        return bool(self._chunk)

    def read(self, size: int | None = -1) -> str:
        if self._position >= len(self._chunk) and not self._refill():
            return ""
        end = len(self._chunk) if size is None or size < 0 else self._position + size
        text = self._chunk[self._position : end]
        self._position += len(text)
        return text


def _copy_chunk(rows: Iterator[Sequence[object]]) -> int:
    """COPY into a staging table, then insert what is not there yet (same email) in order."""
    # Names from this module and the model, never from input.
    columns = ", ".join(SEED_COLUMNS)
    table = Prospect._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE prospect_seed AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608
        )
        cursor.execute("ALTER TABLE prospect_seed ADD COLUMN seq bigserial")
        cursor.copy_expert(
            f"COPY prospect_seed ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", _CsvStream(rows)
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM prospect_seed ORDER BY seq "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        added = cursor.rowcount
        cursor.execute("DROP TABLE prospect_seed")
    return added


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Prospect._meta.db_table)}")


def _copy_rows(rows: Iterator[Sequence[object]]) -> None:
    """COPY straight into the prospect table (for an empty table: a seed's emails are distinct)."""
    columns = ", ".join(SEED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {Prospect._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            _CsvStream(rows),
        )


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, definition) of every index of the prospect table but its primary key, as PostgreSQL has them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY i.relname",
            [Prospect._meta.db_table],
        )
        return list(cursor.fetchall())


def _bulk_seed(
    rows: Iterator[Sequence[object]], count: int, progress: Callable[[int, int], None] | None
) -> int | None:
    """Into an empty prospect table, in one transaction: drops its secondary indexes, COPYs the rows in
    order (so they get the ids the row-by-row path gives them), and builds the same indexes again, each in
    one pass. None, and nothing done, if the table has prospects. The table is locked meanwhile."""
    table = connection.ops.quote_name(Prospect._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"SELECT EXISTS (SELECT FROM {table})")  # noqa: S608
            if cursor.fetchone()[0]:
                return None
            indexes = _secondary_indexes()
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        done = 0
        while done < count:
            size = min(SEED_CHUNK, count - done)
            _copy_rows(islice(rows, size))
            done += size
            if progress is not None:
                progress(done, done)
        with connection.cursor() as cursor:
            # An index is not built under deferred foreign-key checks (of a delete earlier in this
            # transaction): run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = %s", [BULK_INDEX_MEMORY])
            for _, definition in indexes:
                cursor.execute(definition)
    return count


def prospects_seed(*, count: int, seed: int, progress: Callable[[int, int], None] | None = None) -> int:
    """Adds ``count`` synthetic prospects made from ``seed`` (same seed, same rows); a row whose email is
    already in the database is skipped. COPY, one transaction per 100,000 rows, after each of which
    ``progress(done, added)`` is called; then the table is analyzed. Returns how many were added.

    From ``BULK_SEED_MIN`` prospects into an empty table, one transaction instead that builds the indexes
    at the end (``_bulk_seed``): the same rows, with the same ids."""
    now = timezone.now()
    rows = ([row[name] for name in SEED_COLUMNS[:-1]] + [now] for row in ProspectGenerator(seed).rows(count))
    if count >= BULK_SEED_MIN:
        bulk = _bulk_seed(rows, count, progress)
        if bulk is not None:
            _analyze()
            return bulk
    done = added = 0
    while done < count:
        size = min(SEED_CHUNK, count - done)
        with transaction.atomic():
            added += _copy_chunk(islice(rows, size))
        done += size
        if progress is not None:
            progress(done, added)
    _analyze()
    return added


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


def _load_batch(
    batch: Sequence[tuple[int, Mapping[str, str]]],
    result: LoadResult,
    seen: dict[str, int],
    columns: Sequence[str],
) -> None:
    """Cleans a batch of (row number, raw row) and writes it: a known email updates its prospect, in the
    ``columns`` the file has (a column it lacks leaves the prospect's value alone). ``seen`` maps the
    emails of earlier rows of the file to their row numbers."""
    clean_rows = []
    for row_number, raw in batch:
        try:
            values = clean_prospect(raw)
        except InvalidLead as exc:
            result.bad_rows.append((row_number, exc.reason))
            continue
        email = values["email"]
        if email and email in seen:
            result.bad_rows.append((row_number, f"email: same email as row {seen[email]}."))
            continue
        if email:
            seen[email] = row_number
        clean_rows.append(values)
    emails = [values["email"] for values in clean_rows if values["email"]]
    existing = {prospect.email: prospect for prospect in Prospect.objects.filter(email__in=emails)}
    new, changed = [], []
    for values in clean_rows:
        prospect = existing.get(values["email"]) if values["email"] else None
        if prospect is None:
            new.append(Prospect(**values))
        else:
            for name in columns:
                # A vendor's file does not undo a bounce we saw (rule 24: charged to no one again).
                if not (name == "email_status" and prospect.email_status == EmailStatus.BOUNCED):
                    setattr(prospect, name, values[name])
            changed.append(prospect)
    with transaction.atomic():
        Prospect.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if changed:
            Prospect.objects.bulk_update(changed, columns, batch_size=BATCH_SIZE)
    result.created += len(new)
    result.updated += len(changed)


def prospects_load(
    *, rows: Iterable[tuple[int, Mapping[str, str]]], columns: Collection[str] = VENDOR_COLUMNS
) -> LoadResult:
    """Loads a vendor's rows ((row number, mapping of VENDOR_COLUMNS), in file order): every good row is
    kept, a new email makes a prospect and a known one updates it in the ``columns`` the file has; every
    bad row is reported with its reason, also a second row with an email seen earlier in the file.
    Returns a ``LoadResult``."""
    result = LoadResult()
    seen: dict[str, int] = {}
    columns = [name for name in VENDOR_COLUMNS if name in columns]
    rows = iter(rows)
    while batch := list(islice(rows, BATCH_SIZE)):
        _load_batch(batch, result, seen, columns)
    if result.created or result.updated:
        _analyze()
    return result
