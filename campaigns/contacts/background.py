"""Bulk actions on Contacts that run in a Celery task rather than in the request: more contacts than
``CONTACTS_BULK_BACKGROUND_ABOVE`` take tens of seconds at 1,000,000 (docs/benchmarks.md), longer than a
proxy in front of the dashboard waits."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from campaigns.contacts import tasks
from campaigns.models import BulkAction, Campaign

logger = logging.getLogger(__name__)

NOT_QUEUED = "It could not be handed to a worker; nothing was done. Try again in a minute."


def runs_in_background(selected: int) -> bool:
    return selected > settings.CONTACTS_BULK_BACKGROUND_ABOVE


def bulk_action_start(
    *, workspace: Workspace, actor, action: str, campaign: Campaign | None, filters: dict, selected: int
) -> BulkAction:
    """Records the action and hands it to a worker once committed. If the broker refuses it, the action
    fails with a message that says so rather than waiting forever."""
    bulk_action = BulkAction.objects.create(
        workspace=workspace,
        action=action,
        campaign=campaign,
        filters=filters,
        created_by=actor,
        selected=selected,
    )

    def send() -> None:
        try:
            tasks.run_contacts_bulk.delay(bulk_action.pk)
        except Exception:
            logger.exception("Bulk action %s could not be queued", bulk_action.pk)
            BulkAction.objects.for_workspace(workspace).filter(
                pk=bulk_action.pk, status=BulkAction.Status.QUEUED
            ).update(status=BulkAction.Status.FAILED, outcome=NOT_QUEUED, finished_at=timezone.now())

    transaction.on_commit(send)
    return bulk_action
