"""What PgBouncer in transaction mode needs of Leadpool (docs/database.md, "Connection pooling"): nothing
carried from one transaction to the next in the database session. Behind the pooler each transaction may
run on another server connection; here the tests close the connection between transactions, which is the
same for what the session kept (a lock, a temporary table)."""

import csv
import io
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.importing import report
from campaigns.importing.pipeline import ImportRun, run_import_job
from campaigns.importing.services import import_cancel, import_files_purge
from campaigns.importing.writers import seen_table
from campaigns.models import ImportJob
from core.locks import held_alone
from sending import poller, scheduler
from tests.campaigns.import_helpers import (
    assert_every_row_in_one_bucket,
    buckets,
    csv_text,
    queue_nothing,
    run_import,
    start_import,
)
from tests.factories import WorkspaceFactory

KEY = 0x5E9D_00FF


def in_another_thread(action):
    """What ``action`` returns, run in a thread of its own (its own database connection)."""
    result = []

    def run():
        try:
            result.append(action())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return result[0]


def another_holder_gets(key):
    def try_it():
        with held_alone(key) as alone:
            return alone

    return in_another_thread(try_it)


def advisory_holders(key):
    """(pid, state of its transaction) of every backend holding the advisory lock ``key``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT l.pid, a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s",
            [key],
        )
        return cursor.fetchall()


def test_the_settings_are_those_transaction_pooling_needs():
    assert settings.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    # psycopg2 binds parameters on the client and prepares nothing on the server.
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert connection.Database.__name__ == "psycopg2"


# The passes' lock (core.locks)


@pytest.mark.django_db(transaction=True)
def test_a_pass_lock_is_held_by_an_open_transaction_of_a_connection_of_its_own():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (ours,) = cursor.fetchone()

    with held_alone(KEY) as alone:
        assert alone
        [(pid, state)] = advisory_holders(KEY)
        assert pid != ours
        # A transaction: behind PgBouncer it keeps its server connection, and the lock, until it ends.
        assert state == "idle in transaction"
        assert another_holder_gets(KEY) is False

    assert advisory_holders(KEY) == []
    assert another_holder_gets(KEY) is True


@pytest.mark.django_db(transaction=True)
def test_a_pass_lock_outlasts_the_commits_and_the_connection_of_the_pass():
    workspace = WorkspaceFactory()
    with held_alone(KEY):
        WorkspaceFactory()
        connection.close()  # what the pooler's next transaction looks like: another server connection
        workspace.refresh_from_db()
        assert another_holder_gets(KEY) is False
    assert another_holder_gets(KEY) is True


@pytest.mark.django_db(transaction=True)
def test_a_pass_lock_is_released_when_the_pass_raises():
    with pytest.raises(RuntimeError), held_alone(KEY):
        raise RuntimeError("the pass broke")
    assert advisory_holders(KEY) == []


def _scheduler_pass(check):
    def pass_(*, now=None):
        return check()

    return "sending.scheduler.send_due", pass_, scheduler.send_due_alone


def _poller_pass(check):
    class Checked(poller.Recorded):
        def __init__(self):
            super().__init__()
            self.seen = check()

    return "sending.poller.Recorded", Checked, poller.poll_mailboxes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("make", [_scheduler_pass, _poller_pass], ids=["scheduler", "poller"])
def test_a_second_pass_is_skipped_while_the_first_runs_whatever_connection_it_is_on(monkeypatch, make):
    """A session lock taken on the pass's own connection was lost when that connection went (as a pooled
    server connection goes to another client after each transaction); the pass's lock stays."""
    second = []

    def check():
        if second:  # the second pass ran (the lock did not hold): it does not start a third
            return 0
        connection.close()
        second.append("running")
        second[0] = in_another_thread(lambda: function())
        return 0

    target, replacement, function = make(check)
    monkeypatch.setattr(target, replacement)
    function()

    assert second == [None]


# The import's working tables (campaigns/importing/writers.py)


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_every_transaction_meets_another_server_connection_counts_as_one_run(
    monkeypatch, settings
):
    queue_nothing(monkeypatch)
    settings.IMPORT_CHUNK_ROWS = 2
    commit = ImportRun._commit

    def commit_then_let_the_connection_go(self, chunk):
        done = commit(self, chunk)
        connection.close()
        return done

    monkeypatch.setattr(ImportRun, "_commit", commit_then_let_the_connection_go)
    workspace = WorkspaceFactory()
    rows = [["Email"], ["a@example.com"], ["b@example.com"], ["A@example.com"], ["c@example.com"]]
    rows += [["b@example.com"], ["d@example.com"], ["nope"]]
    job = run_import(workspace, csv_text(rows))

    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    assert buckets(job, enrolled=False) == {
        **dict.fromkeys(buckets(job, enrolled=False), 0),
        "created": 4,
        "duplicates": 2,
        "invalid": 1,
    }
    assert_every_row_in_one_bucket(job)
    assert seen_tables(job) == []


def seen_tables(*jobs):
    """(name, persistence) of the tables of contacts seen of ``jobs`` (other tests' runs may leave some)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, relpersistence FROM pg_tables t JOIN pg_class c ON c.relname = t.tablename "
            "WHERE t.schemaname = current_schema() AND t.tablename LIKE 'import\\_seen\\_%' ORDER BY 1"
        )
        prefixes = tuple(f"import_seen_{job.pk}_" for job in jobs)
        return [(name, persistence) for name, persistence in cursor.fetchall() if name.startswith(prefixes)]


@pytest.mark.django_db(transaction=True)
def test_the_table_of_contacts_seen_is_the_runs_unlogged_table_and_goes_with_the_run(monkeypatch):
    queue_nothing(monkeypatch)
    workspace = WorkspaceFactory()
    during = []
    write = ImportRun._commit

    def look(self, chunk):
        during.append((seen_tables(self.job), seen_table(self.job)))
        return write(self, chunk)

    monkeypatch.setattr(ImportRun, "_commit", look)
    job = run_import(workspace, csv_text([["Email"], ["a@example.com"]]))

    [(tables, name)] = during
    assert tables == [(name, "u")]
    assert name.startswith(f"import_seen_{job.pk}_")
    assert seen_tables(job) == []


def left_by_a_dead_run(job, runner_hex="deadbeef0000"):
    name = f"import_seen_{job.pk}_{runner_hex}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE {name} (lead_id bigint PRIMARY KEY, row_number integer)")
    return name


@pytest.mark.django_db(transaction=True)
def test_the_next_run_of_a_job_drops_the_table_a_dead_run_left(monkeypatch):
    queue_nothing(monkeypatch)
    job = start_import(WorkspaceFactory(), csv_text([["Email"], ["a@example.com"]]))
    left_by_a_dead_run(job)

    run_import_job(job_id=job.pk)

    assert ImportJob.objects.unscoped().get(pk=job.pk).status == ImportJob.Status.SUCCEEDED
    assert seen_tables(job) == []


@pytest.mark.django_db(transaction=True)
def test_the_purge_drops_the_tables_of_dead_runs_of_jobs_that_are_over_and_keeps_a_running_ones(monkeypatch):
    queue_nothing(monkeypatch)
    workspace = WorkspaceFactory()
    over = start_import(workspace, csv_text([["Email"], ["a@example.com"]]))
    running = start_import(workspace, csv_text([["Email"], ["b@example.com"]]))
    gone = start_import(workspace, csv_text([["Email"], ["c@example.com"]]))
    left_by_a_dead_run(over)
    kept = left_by_a_dead_run(running)
    left_by_a_dead_run(gone)
    import_cancel(workspace=workspace, job=over)
    ImportJob.objects.unscoped().filter(pk=running.pk).update(status=ImportJob.Status.RUNNING)
    ImportJob.objects.unscoped().filter(pk=gone.pk).delete()

    import_files_purge()

    assert seen_tables(over, running, gone) == [(kept, "u")]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {kept}")


# Big reads go by keyset pages (no server-side cursor)


@pytest.mark.django_db
@pytest.mark.parametrize("with_file", [True, False], ids=["with its file", "file deleted"])
def test_the_error_report_reads_its_rows_a_batch_at_a_time_in_order(monkeypatch, with_file):
    monkeypatch.setattr(report, "REASONS_BATCH", 2)
    workspace = WorkspaceFactory()
    job = run_import(workspace, csv_text([["Email", "Name"], *[[f"bad{n}", f"N{n}"] for n in range(5)]]))
    if not with_file:
        job.file.delete()

    with CaptureQueriesContext(connection) as queries:
        lines = list(
            csv.reader(io.StringIO("".join(report.error_report_lines(workspace=workspace, job=job))))
        )

    assert [line[0] for line in lines[1:]] == ["2", "3", "4", "5", "6"]
    if with_file:
        assert [line[-1] for line in lines[1:]] == ["N0", "N1", "N2", "N3", "N4"]
    reads = [q["sql"] for q in queries.captured_queries if "campaigns_importskippedrow" in q["sql"]]
    assert len(reads) == 3
