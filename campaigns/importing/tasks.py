"""The import task, apart from campaigns.tasks: the import services queue it, and the beat tasks there call
those services, so one module holding both would import the services that import it."""

from celery import shared_task

from campaigns.importing.pipeline import run_import_job


# Named as when it lived in campaigns.tasks: messages already queued carry that name.
@shared_task(name="campaigns.tasks.run_import")
def run_import(job_id):
    """Runs or resumes a CSV import (campaigns.importing.pipeline); safe to deliver more than once."""
    run_import_job(job_id=job_id)
