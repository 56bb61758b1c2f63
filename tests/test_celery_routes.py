"""Queues (docs/operations.md, "Workers and queues"): every task of the project is routed to a queue of
its kind, and the workers that `make run` and docker-compose.yml start consume every queue between them."""

import re
import shlex
from pathlib import Path

import yaml
from django.conf import settings

from config.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)
DECLARED = {queue.name for queue in settings.CELERY_TASK_QUEUES}


def project_tasks():
    # What a worker imports as it starts (config/celery.py), without the worker's model checks.
    celery_app.autodiscover_tasks(force=True)
    celery_app.autodiscover_tasks(["campaigns.importing"], force=True)
    return sorted(name for name in celery_app.tasks if not name.startswith("celery."))


def queue_of(task_name):
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def consumed_queues(command):
    """The queues a `celery worker` command line consumes (-Q/--queues; all declared ones without)."""
    words = shlex.split(command)
    for flag in ("-Q", "--queues"):
        if flag in words:
            return set(words[words.index(flag) + 1].split(","))
    return set(DECLARED)


def test_every_task_of_the_project_is_routed_to_a_declared_queue_of_its_own_kind():
    tasks = project_tasks()
    assert len(tasks) >= 10
    unrouted = [name for name in tasks if queue_of(name) == settings.CELERY_TASK_DEFAULT_QUEUE]
    assert unrouted == [], f"add these tasks to CELERY_TASK_ROUTES: {unrouted}"
    assert {queue_of(name) for name in tasks} <= DECLARED


def test_imports_sending_imap_webhooks_and_housekeeping_each_have_their_queue():
    expected = {
        "campaigns.tasks.run_import": "imports",
        "sending.tasks.send_due": "sending",
        "sending.tasks.poll_mailboxes": "imap",
        "webhooks.tasks.dispatch_event": "webhooks",
        "webhooks.tasks.deliver": "webhooks",
        "webhooks.tasks.sweep": "webhooks",
        "billing.tasks.renew_subscriptions": "housekeeping",
        "core.api.tasks.purge_expired_idempotency_keys": "housekeeping",
        "campaigns.tasks.purge_import_files": "housekeeping",
        "campaigns.tasks.requeue_stalled_imports": "housekeeping",
    }
    assert set(expected) <= set(project_tasks())
    assert {name: queue_of(name) for name in expected} == expected


def test_every_beat_task_is_a_routed_task():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in project_tasks()
        assert queue_of(entry["task"]) != settings.CELERY_TASK_DEFAULT_QUEUE


def test_make_runs_single_worker_consumes_every_queue():
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert consumed_queues(lines["worker"]) == DECLARED


def test_the_compose_workers_consume_every_queue_between_them_and_one_queue_group_each():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {
        name: consumed_queues(service["command"])
        for name, service in services.items()
        if re.search(r"\bcelery -A config worker\b", str(service.get("command", "")))
    }
    assert {"worker-imports", "worker-sending", "worker-housekeeping"} <= set(workers)
    assert set().union(*workers.values()) == DECLARED
    assert workers["worker-imports"] == {"imports"}
    assert "sending" in workers["worker-sending"] and "imports" not in workers["worker-sending"]
