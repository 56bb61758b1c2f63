import os
import subprocess
import sys
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Role
from core.api.throttling import WorkspaceRateThrottle
from tests.factories import MembershipFactory, WorkspaceFactory, owner_of
from tests.workers import database_url, empty_broker

# CI sets this: there, a skipped test is a failure (a browser test that did not run).
STRICT = os.environ.get("LEADPOOL_STRICT_TESTS") == "1"

# CI runs the same examples every time (a failure there is reproducible, not luck) on 2 busy cores.
hypothesis_settings.register_profile(
    "ci", derandomize=True, deadline=timedelta(seconds=5), database=None, print_blob=True
)
CI = STRICT or os.environ.get("CI") == "true"
if CI:
    hypothesis_settings.load_profile("ci")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if STRICT and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under LEADPOOL_STRICT_TESTS=1: {report.longrepr}"
    return report


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploads and downloads land in the test's own folder, never under var/.
    settings.MEDIA_ROOT = tmp_path / "media"


# Tests run with DEBUG off, where core.secrets derives no key: mailbox passwords use this one (rule 25).
TEST_SECRET_ENCRYPTION_KEY = "FNw4yc6V0g1kP920YCEXQi-TVmhu-Iqi1RMTtQQo-KA="


@pytest.fixture(autouse=True)
def _secret_encryption_keys(settings):
    settings.SECRET_ENCRYPTION_KEYS = [TEST_SECRET_ENCRYPTION_KEY]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _migration_data_after_flushes(request):
    """A transactional test (transaction=True, live_server) runs after a flush that also emptied what
    data migrations seeded (billing's plans, credit packs and add-on): put it back. Idempotent."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        import_module("billing.migrations.0002_plans_packs_and_addons").seed(django_apps, None)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters live in the cache; each test starts with a fresh budget.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _one_throttle_window(monkeypatch):
    """The API's budget is counted in clock minutes: a test that crossed into the next one would get a
    fresh budget midway."""
    monkeypatch.setattr(WorkspaceRateThrottle, "timer", staticmethod(lambda: 1_000_000.0))


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme Outreach")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex Sales")


@pytest.fixture
def owner(workspace):
    return owner_of(workspace)


def api_client_for(workspace, role=Role.OWNER):
    user = (
        owner_of(workspace) if role == Role.OWNER else MembershipFactory(workspace=workspace, role=role).user
    )
    _, raw_key = account_services.api_key_create(workspace=workspace, name=f"{role} key", created_by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    client.raw_key = raw_key
    return client


@pytest.fixture
def api_client(workspace):
    """An API client authenticated with an owner's key of ``workspace``."""
    return api_client_for(workspace)


@pytest.fixture
def member_api_client(workspace):
    return api_client_for(workspace, role=Role.MEMBER)


@pytest.fixture
def other_api_client(other_workspace):
    return api_client_for(other_workspace)


@pytest.fixture
def start_queue_worker(settings):
    """``start_queue_worker(queues)``: a real `celery worker --pool=solo -Q <queues>` process on this test
    database and an emptied broker; every one is killed when the test ends."""
    empty_broker()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LEADPOOL_SECRET_KEYS": TEST_SECRET_ENCRYPTION_KEY,
        "LEADPOOL_ALLOW_PRIVATE_HOSTS": "true",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    workers = []

    def start(queues):
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
        command += ["--loglevel=WARNING", "-Q", queues, "--hostname", f"{queues}@%h"]
        workers.append(
            subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)
