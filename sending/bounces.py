"""A hard bounce (rule 23): the one place both ways of learning of one end up, the SMTP server refusing
the recipient with a 5xx while we send (``sending.scheduler``) and a delivery status notification with a
5.x.x status read over IMAP (``sending.inbound``)."""

import re
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

# Enhanced status codes (RFC 3463) that say the address itself is bad: 5.1.x, "bad destination mailbox
# address", "bad destination system address", "destination address syntax"... A policy refusal (5.7.x), a
# full mailbox (5.2.2) or a message too large (5.3.4) says nothing against the address.
ADDRESS_FAILURE = re.compile(r"^5\.1\.\d{1,3}$")
# The enhanced status inside an SMTP server's words ("550 5.1.1 <jane@…>: user unknown").
ENHANCED_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")


def enhanced_status(words: str) -> str:
    """The first RFC 3463 status code in an SMTP answer, or "" if it has none."""
    found = ENHANCED_STATUS.search(words or "")
    return found.group(1) if found else ""


def is_address_failure(status: str) -> bool:
    return bool(ADDRESS_FAILURE.match(status or ""))


@transaction.atomic
def bounce_record(
    *, workspace: Workspace, message: Message, status: str = "", bounced_at: datetime | None = None
) -> int:
    """The address ``message`` went to refused it for good: its live enrollments in every campaign of the
    workspace end as ``bounced``, and it is suppressed in the workspace so that nothing is sent to it again.

    ``status``: the RFC 3463 code the server or the report gave ("5.1.1"). Only an address failure (5.1.x)
    is evidence against the address itself: then a contact taken from the Lead Finder gets its credit back
    and its prospect's email is marked bounced for every workspace (rule 24, ``leadfinder.services.
    lead_bounced``: once, however often the bounce is recorded). A workspace chooses its own SMTP server,
    so a refusal for policy (5.7.x), without a code, or for a full mailbox neither refunds nor marks the
    prospect for the others. ``bounced_at``: when it bounced (default now). Returns how many enrollments
    it ended (0 when a bounce was recorded before)."""
    ended = campaign_services.enrollments_finish(
        workspace=workspace, lead_ids=[message.lead_id], status=Enrollment.Status.BOUNCED
    )
    lead_services.suppression_add(
        workspace=workspace, values=[message.to_email], reason=Suppression.Reason.BOUNCED
    )
    if is_address_failure(status):
        leadfinder_services.lead_bounced(
            workspace=workspace,
            lead_id=message.lead_id,
            email=message.to_email,
            message_id=message.pk,
            bounced_at=bounced_at or timezone.now(),
        )
    return ended
