from celery import shared_task

from core.api import idempotency


@shared_task
def purge_expired_idempotency_keys():
    return idempotency.purge_expired()
