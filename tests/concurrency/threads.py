"""Real threads released at the same moment, each on its own database connection, and the way to see one
of them wait for another's lock."""

import threading
import time

from django.db import connection


def run_together(actions):
    """Runs each zero-argument action in its own thread, all released at once by a barrier.

    Returns, per action, what it returned or the exception it raised.
    """
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def worker(i):
        try:
            barrier.wait()
            outcomes[i] = actions[i]()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def backend_pid():
    """The PostgreSQL backend serving this thread's connection. Behind PgBouncer in transaction mode (as in
    CI) it is the same only within one transaction: read it inside the transaction it names."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def waits_for_lock(pid, *, held_by, within=10.0):
    """Whether backend ``pid`` (None: any backend) is (within ``within`` seconds) waiting for a lock that
    ``held_by`` holds: the proof that it waits, read from pg_stat_activity, where a sleep would only hope
    so. None is for a transaction whose pid cannot be read inside it before it waits."""
    deadline = time.monotonic() + within
    with connection.cursor() as cursor:
        while True:
            # pg_stat_activity is read once per transaction unless its snapshot is dropped.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT bool_or(wait_event_type = 'Lock' AND %s = ANY(pg_blocking_pids(pid))) "
                "FROM pg_stat_activity WHERE pid = %s OR %s::integer IS NULL",
                [held_by, pid, pid],
            )
            row = cursor.fetchone()
            if row and row[0]:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
