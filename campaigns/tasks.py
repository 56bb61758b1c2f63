from celery import shared_task

from campaigns.importing.pipeline import run_import_job


@shared_task
def run_import(job_id):
    """Runs or resumes a CSV import (campaigns.importing.pipeline); safe to deliver more than once."""
    run_import_job(job_id=job_id)
