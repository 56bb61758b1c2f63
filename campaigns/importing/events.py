"""The ``import.finished`` event (webhooks, rule 26): written in the transaction that finishes a job,
whether it succeeded, failed or was cancelled. docs/webhooks.md describes its data."""

from campaigns.models import ImportJob
from core.events import event_emit


def import_finished_emit(job: ImportJob) -> None:
    event_emit(
        workspace=job.workspace,
        type="import.finished",
        data={
            "import_id": job.pk,
            "status": job.status,
            "campaign": job.campaign_id,
            "filename": job.filename,
            "rows_processed": job.rows_processed,
            "created": job.created,
            "updated": job.updated,
            "enrolled": job.enrolled,
            "already_in_campaign": job.already_in_campaign,
            "duplicates": job.duplicates,
            "invalid": job.invalid,
            "over_limit": job.over_limit,
            "suppressed": job.suppressed,
            "error": job.error or None,
        },
    )
