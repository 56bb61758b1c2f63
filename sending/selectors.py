"""Reads of mailboxes. A mailbox's day, for its ``daily_limit``, is the UTC day: ``sent_today`` counts the
messages claimed since 00:00 UTC that are sending, sent or unknown (a failed attempt is not a send)."""

from datetime import UTC, datetime, time

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import Workspace
from campaigns.models import Campaign
from sending.models import CampaignMailbox, Mailbox, Message

# A mailbox's messages of the day that count towards its daily limit (a refused one does not).
COUNTED_STATUSES = (Message.Status.SENDING, Message.Status.SENT, Message.Status.UNKNOWN)
NO_ACTIVE_MAILBOX = "Choose at least one active mailbox for this campaign before starting it."


def start_of_utc_day(now: datetime | None = None) -> datetime:
    now = (now or timezone.now()).astimezone(UTC)
    return datetime.combine(now.date(), time.min, tzinfo=UTC)


def _sends_today(workspace: Workspace) -> QuerySet[Message]:
    return Message.objects.for_workspace(workspace).filter(
        status__in=COUNTED_STATUSES, claimed_at__gte=start_of_utc_day()
    )


def mailboxes_for_workspace(*, workspace: Workspace) -> QuerySet[Mailbox]:
    """The workspace's mailboxes by email, each with ``sent_today``."""
    sent = (
        _sends_today(workspace)
        .filter(mailbox=OuterRef("pk"))
        .order_by()
        .values("mailbox")
        .annotate(count=Count("id"))
        .values("count")
    )
    return (
        Mailbox.objects.for_workspace(workspace)
        .annotate(sent_today=Coalesce(Subquery(sent, output_field=IntegerField()), Value(0)))
        .order_by("email")
    )


def mailbox_for_workspace_or_404(*, workspace: Workspace, mailbox_id: int | str) -> Mailbox:
    """One mailbox with ``sent_today``; another workspace's id is a 404."""
    try:
        return mailboxes_for_workspace(workspace=workspace).get(pk=mailbox_id)
    except (Mailbox.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No mailbox with that id.") from exc


def sent_today(*, mailbox: Mailbox) -> int:
    return _sends_today(mailbox.workspace).filter(mailbox=mailbox).count()


def campaign_mailbox_ids(campaign: Campaign) -> list[int]:
    """The ids of the mailboxes the campaign sends from, in order."""
    return sorted(
        CampaignMailbox.objects.for_workspace(campaign.workspace)
        .filter(campaign=campaign)
        .values_list("mailbox_id", flat=True)
    )


def campaign_start_problem(*, workspace: Workspace, campaign: Campaign) -> str:
    """Why the campaign cannot start for want of a mailbox, or ""."""
    active = (
        CampaignMailbox.objects.for_workspace(workspace)
        .filter(campaign=campaign, mailbox__status=Mailbox.Status.ACTIVE)
        .exists()
    )
    return "" if active else NO_ACTIVE_MAILBOX
