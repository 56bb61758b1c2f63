"""The lock of a pass that runs once at a time, anywhere (the scheduler's, the IMAP poller's).

A pass commits many transactions of its own, so its lock cannot belong to a transaction of the pass's
connection; and a session lock (``pg_advisory_lock``) breaks behind a pooler in transaction mode
(PgBouncer, docs/database.md): it stays with the server connection that ran the statement, which the pooler
then gives to any other client, and the unlock may run on another one.

So the lock is a transaction-level advisory lock (``pg_try_advisory_xact_lock``) taken by a database
connection of its own that keeps its transaction open until the pass ends. Behind PgBouncer that client
holds one server connection for the pass; directly, it is one more connection. Its transaction reads and
writes nothing (no snapshot is kept between statements, no transaction id is given): it holds back no
vacuum. A worker that dies closes the connection, which ends the transaction and releases the lock.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def held_alone(key: int) -> Iterator[bool]:
    """Yields whether this caller holds the advisory lock ``key`` (False: another holder has it; nothing
    waits). Held until the block ends, whatever the block commits on the caller's own connection."""
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            # A server's idle_in_transaction_session_timeout would end the transaction, and the lock, in the
            # middle of a long pass: this transaction is idle on purpose.
            cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
            (held,) = cursor.fetchone()
        yield bool(held)
    finally:
        try:
            if holder.connection is not None:
                holder.rollback()
        finally:
            holder.close()
