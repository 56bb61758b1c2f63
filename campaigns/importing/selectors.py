"""Reads of import jobs."""

from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from accounts.models import User, Workspace
from campaigns.models import ImportJob, ImportSkippedRow
from core.tenancy import TenantQuerySet

RECENT = timedelta(days=14)


def imports_for_workspace(*, workspace: Workspace, drafts: bool = False) -> TenantQuerySet[ImportJob]:
    """The workspace's imports, newest first; drafts (dashboard uploads not started) only if asked."""
    jobs = ImportJob.objects.for_workspace(workspace).select_related("campaign", "created_by")
    if not drafts:
        jobs = jobs.exclude(status=ImportJob.Status.DRAFT)
    return jobs.order_by("-id")


def import_for_workspace(*, workspace: Workspace, job_id: int, drafts: bool = False) -> ImportJob:
    """One import of the workspace; another workspace's id (or a draft, unless asked) is a 404."""
    job = ImportJob.objects.get_for_workspace_or_404(workspace, job_id)
    if job.status == ImportJob.Status.DRAFT and not drafts:
        raise Http404("No import with that id.")
    return job


def recent_finished_imports(*, workspace: Workspace, user: User, limit: int = 5) -> TenantQuerySet[ImportJob]:
    """What ``user`` imported into ``workspace`` that finished in the last two weeks, newest first."""
    return (
        imports_for_workspace(workspace=workspace)
        .filter(created_by=user, finished_at__gte=timezone.now() - RECENT)
        .order_by("-finished_at")[:limit]
    )


def skipped_rows(
    *, workspace: Workspace, job: ImportJob, limit: int | None = None
) -> TenantQuerySet[ImportSkippedRow]:
    rows = ImportSkippedRow.objects.for_workspace(workspace).filter(job=job).order_by("row_number")
    return rows if limit is None else rows[:limit]
