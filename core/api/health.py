import logging

from celery import current_app as celery_app
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.exception("Health check: database does not answer")
        return False


def _broker_ok():
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True
    except Exception:
        logger.exception("Health check: broker does not answer")
        return False


def _cache_ok():
    """The cache keeps the rate limits; while it is down they are not applied, which is worth a 503."""
    try:
        cache.set("healthz", 1, 10)
        return cache.get("healthz") == 1
    except Exception:
        logger.exception("Health check: cache does not answer")
        return False


@require_GET
def healthz(request):
    checks = {"database": _database_ok(), "broker": _broker_ok(), "cache": _cache_ok()}
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)
