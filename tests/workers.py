"""What tests that start real Celery workers share: the test database's URL for the worker processes, an
emptied broker, and waiting for something a worker does."""

import os
import time

import redis
from django.db import connection

from config.celery import app as celery_app

# Redis when the run has one (CI), otherwise the file-system broker under var/.
REDIS_URL = os.environ.get("REDIS_URL", "")


def database_url():
    db = connection.settings_dict
    host = db["OPTIONS"].get("host") or db["HOST"]
    if host.startswith("/"):  # a Unix socket's directory (the embedded server's)
        return f"postgres://{db['USER']}:{db['PASSWORD']}@/{db['NAME']}?host={host}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT']}/{db['NAME']}"


def empty_broker():
    if REDIS_URL:
        redis.Redis.from_url(REDIS_URL).flushdb()
    else:
        celery_app.control.purge()


def wait_for(condition, timeout=20.0, every=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"still waiting after {timeout} s")
