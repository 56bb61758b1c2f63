from celery import shared_task

from campaigns.importing.services import import_files_purge, stalled_imports_requeue


@shared_task
def purge_import_files():
    """Deletes abandoned import drafts and the stored files of old imports (see import_files_purge)."""
    return import_files_purge()


@shared_task
def requeue_stalled_imports():
    """Queues again the running imports whose worker stopped beating (see stalled_imports_requeue)."""
    return stalled_imports_requeue()
