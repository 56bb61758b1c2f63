"""Writes of the suppression list that reach beyond the contacts: an unsubscribe ends sequences too.

Adding and removing entries is ``leads.services`` (the list lives with the contacts, below every door
that checks it); this module holds what needs campaigns as well.
"""

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Workspace
from campaigns import services as campaign_services
from campaigns.models import Enrollment
from leads import services as lead_services
from leads.models import Lead, Suppression


@dataclass(frozen=True)
class Unsubscribed:
    """``email``: the address now on the list; ``ended``: live enrollments this call ended."""

    email: str
    ended: int


@transaction.atomic
def lead_unsubscribe(*, workspace: Workspace, lead: Lead) -> Unsubscribed:
    """Rule 21: the contact's address goes on the workspace's suppression list (reason unsubscribed) and
    its live enrollments in every campaign of the workspace end as ``unsubscribed``. Idempotent: a second
    call finds the entry and nothing live, and changes nothing."""
    lead_services.suppression_add(
        workspace=workspace, values=[lead.email], reason=Suppression.Reason.UNSUBSCRIBED
    )
    ended = campaign_services.enrollments_finish(
        workspace=workspace, lead_ids=[lead.pk], status=Enrollment.Status.UNSUBSCRIBED
    )
    return Unsubscribed(email=lead.email, ended=ended)
