"""Settings come from the environment; production strictness switches on with DJANGO_DEBUG=false."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.cache import cache

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deploy_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-production-secret-with-enough-length-and-variety-0123456789-XYZ",
        DJANGO_ALLOWED_HOSTS="leadpool.example.com",
        LEADPOOL_SECRET_KEYS=Fernet.generate_key().decode(),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_checks_refuse_production_without_keys_for_mailbox_passwords():
    result = manage(
        "check",
        "--deploy",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-production-secret-with-enough-length-and-variety-0123456789-XYZ",
        DJANGO_ALLOWED_HOSTS="leadpool.example.com",
        LEADPOOL_SECRET_KEYS="",
    )
    assert result.returncode != 0
    assert "sending.E001" in result.stdout + result.stderr


def test_the_docker_images_static_files_build_with_the_manifest_storage(tmp_path):
    """The Dockerfile's collectstatic: every file a static file refers to must exist (a vendored script's
    source-map comment naming a map we do not ship failed the image's build)."""
    result = manage(
        "collectstatic",
        "--noinput",
        DATABASE_URL="postgres://unused@localhost/unused",
        DJANGO_STATIC_ROOT=str(tmp_path),
        DJANGO_STATICFILES_STORAGE="whitenoise.storage.CompressedManifestStaticFilesStorage",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles.json").exists()


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="leadpool.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_celery_acknowledges_late_and_requeues_tasks_of_a_lost_worker():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def cache_and_broker(**env):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.CACHES['default']['LOCATION'], settings.CELERY_BROKER_URL)",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1].split()


def test_the_cache_takes_the_redis_database_next_to_the_brokers(monkeypatch):
    monkeypatch.delenv("CACHE_URL", raising=False)
    assert cache_and_broker(REDIS_URL="redis://127.0.0.1:6379/2") == [
        "redis://127.0.0.1:6379/3",
        "redis://127.0.0.1:6379/2",
    ]
    assert cache_and_broker(REDIS_URL="redis://127.0.0.1:6379/15") == [
        "redis://127.0.0.1:6379/14",
        "redis://127.0.0.1:6379/15",
    ]
    assert cache_and_broker(REDIS_URL="redis://127.0.0.1:6379/15", CACHE_URL="redis://cache:6379/0") == [
        "redis://cache:6379/0",
        "redis://127.0.0.1:6379/15",
    ]


def test_emptying_the_cache_keeps_the_tasks_queued_in_the_broker():
    with celery_app.connection_for_write() as connection:
        queue = connection.SimpleQueue("leadpool-test-cache-flush")
        queue.clear()
        queue.put({"task": "queued before the flush"})

        cache.clear()

        message = queue.get(timeout=5)
        message.ack()
        queue.queue.delete()
        queue.close()
    assert message.payload == {"task": "queued before the flush"}
