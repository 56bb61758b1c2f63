from celery import shared_task

from campaigns.importing.pipeline import run_import_job


@shared_task
def run_import(job_id):
    """Runs or resumes a CSV import (campaigns.importing.pipeline); safe to deliver more than once."""
    run_import_job(job_id=job_id)


@shared_task
def purge_import_files():
    """Deletes abandoned import drafts and the stored files of old imports (see import_files_purge)."""
    from campaigns.importing.services import import_files_purge  # services queue this module's tasks

    return import_files_purge()


@shared_task
def requeue_stalled_imports():
    """Queues again the running imports whose worker stopped beating (see stalled_imports_requeue)."""
    from campaigns.importing.services import stalled_imports_requeue  # services queue this module's tasks

    return stalled_imports_requeue()
