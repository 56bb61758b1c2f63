"""A hard bounce (rule 23): the one place both ways of learning of one end up, the SMTP server refusing
the recipient with a 5xx while we send (``sending.scheduler``) and a delivery status notification with a
5.x.x status read over IMAP (``sending.inbound``)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from campaigns import services as campaign_services
from campaigns.models import Enrollment
from leadfinder import services as leadfinder_services
from leads import services as lead_services
from leads.models import Suppression
from sending.models import Message


@transaction.atomic
def bounce_record(*, workspace: Workspace, message: Message, bounced_at: datetime | None = None) -> int:
    """The address ``message`` went to does not exist: its live enrollments in every campaign of the
    workspace end as ``bounced``, and it is suppressed so that nothing is ever sent to it again. A
    contact taken from the Lead Finder gets its credit back and its prospect's email is marked bounced
    (rule 24, ``leadfinder.services.lead_bounced``: once, however often the bounce is recorded).
    ``bounced_at``: when it bounced (default now). Returns how many enrollments it ended (0 when a bounce
    was recorded before)."""
    ended = campaign_services.enrollments_finish(
        workspace=workspace, lead_ids=[message.lead_id], status=Enrollment.Status.BOUNCED
    )
    lead_services.suppression_add(
        workspace=workspace, values=[message.to_email], reason=Suppression.Reason.BOUNCED
    )
    leadfinder_services.lead_bounced(
        workspace=workspace,
        lead_id=message.lead_id,
        email=message.to_email,
        message_id=message.pk,
        bounced_at=bounced_at or timezone.now(),
    )
    return ended
