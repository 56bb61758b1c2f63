"""A campaign's analytics (API.md, Dashboard → Analytics; ``GET /campaigns/{id}/stats``): what it sent,
who replied, bounced, unsubscribed or completed, in total, per day of its schedule's timezone and per
step. Set-based reads: a handful of grouped queries, whatever the number of messages.

Where each number comes from:
- sent: messages the server took (``Message`` status ``sent``), by ``sent_at``;
- replied: leads with a reply (``Reply`` kind ``reply``; automatic replies and bounces are not), by
  ``received_at``; a reply counts for the step of the message it answers;
- bounced, unsubscribed, completed: enrollments that ended so (``Enrollment.status``), by
  ``finished_at``; a bounce counts for the last step tried to the lead here (nothing is sent after it);
- contacted: the campaign's leads sent at least one message (``Enrollment.last_sent_at``), or whose
  address bounced at the first: the rates' base.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Workspace
from campaigns.models import Campaign, Enrollment, Step
from sending.models import Message, Reply

MAX_DAYS = 365
DEFAULT_DAYS = 30
# The per-day series, in the order the chart and the API show them.
SERIES = ("sent", "replied", "bounced", "unsubscribed", "completed")
_FINISHED_SERIES: dict[str, str] = {
    Enrollment.Status.BOUNCED: "bounced",
    Enrollment.Status.UNSUBSCRIBED: "unsubscribed",
    Enrollment.Status.COMPLETED: "completed",
}


@dataclass(frozen=True)
class Totals:
    enrolled: int
    contacted: int
    sent: int
    replied: int
    bounced: int
    unsubscribed: int
    completed: int
    reply_rate: float | None
    bounce_rate: float | None


@dataclass(frozen=True)
class Day:
    date: date
    sent: int
    replied: int
    bounced: int
    unsubscribed: int
    completed: int


@dataclass(frozen=True)
class StepStats:
    step: int
    sent: int
    replied: int
    bounced: int
    reply_rate: float | None


@dataclass(frozen=True)
class CampaignStats:
    timezone: str
    days: int
    totals: Totals
    daily: list[Day]
    steps: list[StepStats]


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` to four places; None when there is no base (nothing sent yet)."""
    return round(part / whole, 4) if whole else None


def campaign_zone(campaign: Campaign) -> ZoneInfo:
    try:
        return ZoneInfo(campaign.schedule_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def campaign_stats(
    *, workspace: Workspace, campaign: Campaign, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> CampaignStats:
    """The campaign's totals, its last ``days`` days (today included, in its schedule's timezone; a day
    with nothing is zeros) and its steps (every step of the sequence, and any step messages were sent
    for since it was deleted)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}, not {days}.")
    zone = campaign_zone(campaign)
    today = (now or timezone.now()).astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, time.min, tzinfo=zone)

    enrollments = Enrollment.objects.for_workspace(workspace).filter(campaign=campaign)
    messages = Message.objects.for_workspace(workspace).filter(campaign=campaign)
    replies = Reply.objects.for_workspace(workspace).filter(campaign=campaign, kind=Reply.Kind.REPLY)
    sent = messages.filter(status=Message.Status.SENT)

    outcomes = enrollments.aggregate(
        enrolled=Count("lead"),
        went=Count("lead", filter=Q(last_sent_at__isnull=False)),
        **{series: Count("lead", filter=Q(status=status)) for status, series in _FINISHED_SERIES.items()},
    )
    replied = replies.aggregate(leads=Count("lead", distinct=True))["leads"]
    # One pass over the sent messages (the message_campaign_sent index alone): at most one is sent per
    # (enrollment, step), so a step's messages are its leads.
    per_step_sent = {
        row["step_number"]: row["n"] for row in sent.values("step_number").annotate(n=Count("*")).order_by()
    }
    per_step_replied = {
        row["message__step_number"]: row["leads"]
        for row in replies.filter(message__isnull=False)
        .values("message__step_number")
        .annotate(leads=Count("lead", distinct=True))
        .order_by()
    }
    # Bounced leads are few: each one's last step tried here, and whether any message to it here went.
    bounced_leads = enrollments.filter(status=Enrollment.Status.BOUNCED).values("lead_id")
    per_step_bounced: dict[int, int] = {}
    bounced_unsent = 0
    for lead in (
        messages.filter(lead_id__in=bounced_leads)
        .values("lead_id")
        .annotate(last_step=Max("step_number"), went=Count("id", filter=Q(status=Message.Status.SENT)))
        .order_by()
    ):
        per_step_bounced[lead["last_step"]] = per_step_bounced.get(lead["last_step"], 0) + 1
        bounced_unsent += not lead["went"]
    # Sent a message (the enrollment's last_sent_at, kept by the sender), or refused at the first one.
    contacted = outcomes["went"] + bounced_unsent

    daily = {first_day + timedelta(days=n): dict.fromkeys(SERIES, 0) for n in range(days)}
    for sent_day in (
        sent.filter(sent_at__gte=since)
        .annotate(day=TruncDate("sent_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("*"))
        .order_by()
    ):
        _add(daily, sent_day["day"], "sent", sent_day["n"])
    for reply_day in (
        replies.filter(received_at__gte=since)
        .annotate(day=TruncDate("received_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("lead", distinct=True))
        .order_by()
    ):
        _add(daily, reply_day["day"], "replied", reply_day["n"])
    for end_day in (
        enrollments.filter(finished_at__gte=since, status__in=list(_FINISHED_SERIES))
        .annotate(day=TruncDate("finished_at", tzinfo=zone))
        .values("day", "status")
        .annotate(n=Count("lead"))
        .order_by()
    ):
        _add(daily, end_day["day"], _FINISHED_SERIES[end_day["status"]], end_day["n"])

    steps_now = Step.objects.for_workspace(workspace).filter(campaign=campaign)
    positions = set(steps_now.values_list("position", flat=True))
    numbers = sorted(positions | set(per_step_sent) | set(per_step_replied) | set(per_step_bounced))
    steps = [
        StepStats(
            step=number,
            sent=per_step_sent.get(number, 0),
            replied=per_step_replied.get(number, 0),
            bounced=per_step_bounced.get(number, 0),
            reply_rate=rate(per_step_replied.get(number, 0), per_step_sent.get(number, 0)),
        )
        for number in numbers
    ]
    totals = Totals(
        enrolled=outcomes["enrolled"],
        contacted=contacted,
        sent=sum(per_step_sent.values()),
        replied=replied,
        bounced=outcomes["bounced"],
        unsubscribed=outcomes["unsubscribed"],
        completed=outcomes["completed"],
        reply_rate=rate(replied, contacted),
        bounce_rate=rate(sum(per_step_bounced.values()), contacted),
    )
    return CampaignStats(
        timezone=zone.key,
        days=days,
        totals=totals,
        daily=[Day(date=day, **counts) for day, counts in daily.items()],
        steps=steps,
    )


def _add(daily: dict[date, dict[str, int]], day: date, series: str, n: int) -> None:
    # A row of a later day than today (a clock a little ahead) is not in the window: left out.
    if day in daily:
        daily[day][series] += n
