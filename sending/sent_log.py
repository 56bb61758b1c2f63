"""Reads of the sent log (``Message``): a campaign's messages, newest first, served by the
``message_campaign_newest`` index."""

from accounts.models import Workspace
from campaigns.models import Campaign
from core.tenancy import TenantQuerySet
from sending.models import Message

# The dashboard says what each status means, "unknown" above all (rule 19).
STATUS_IN_WORDS = {
    Message.Status.SENDING: "Being sent now.",
    Message.Status.SENT: "The mail server took it.",
    Message.Status.FAILED: "Refused: see the error. A temporary refusal is tried again later.",
    Message.Status.UNKNOWN: (
        "The sending stopped before the server said whether it took the message. It may have been "
        "delivered, so it is never sent again; the sequence went on."
    ),
}


def messages_for_campaign(
    *, workspace: Workspace, campaign: Campaign, status: str | None = None
) -> TenantQuerySet[Message]:
    messages = Message.objects.for_workspace(workspace).filter(campaign=campaign)
    if status:
        messages = messages.filter(status=status)
    return messages.select_related("lead", "mailbox").order_by("-id")
