"""A campaign's analytics (sending.stats): GET /campaigns/{id}/stats and the dashboard's Analytics page,
with exact numbers for a crafted campaign whose days are New York's."""

import itertools
from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from campaigns.models import Campaign, Enrollment
from sending.models import Message, Reply
from sending.stats import campaign_stats
from sending.stats_chart import chart, nice_ceiling
from tests.factories import CampaignFactory, LeadFactory, add_step, enroll, owner_of

pytestmark = pytest.mark.django_db

# 10:00 in New York (UTC-5 until DST on March 14, 2027).
NOW = datetime(2027, 3, 5, 15, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(day, hour):
    """An instant in March 2027, in UTC."""
    return datetime(2027, 3, day, hour, tzinfo=UTC)


def send(campaign, lead, step, when, status=Message.Status.SENT):
    return Message.objects.create(
        workspace=campaign.workspace,
        campaign=campaign,
        lead=lead,
        step_number=step,
        to_email=lead.email,
        message_id=f"<m{next(_ids)}@outreach.example>",
        status=status,
        smtp_code=250 if status == Message.Status.SENT else 550,
        claimed_at=when,
        sent_at=when if status == Message.Status.SENT else None,
    )


def reply(message, when, kind=Reply.Kind.REPLY, hard_bounce=False):
    return Reply.objects.create(
        workspace=message.workspace,
        campaign=message.campaign,
        lead=message.lead,
        message=message,
        kind=kind,
        hard_bounce=hard_bounce,
        header_message_id=f"<r{next(_ids)}@lead.example>",
        received_at=when,
    )


def ended(campaign, lead, status, when, last_sent_at=None):
    """The enrollment as the sender and the lifecycle leave it (they are other parts' code)."""
    Enrollment.objects.for_workspace(campaign.workspace).filter(campaign=campaign, lead=lead).update(
        status=status, finished_at=when, next_send_at=None, last_sent_at=last_sent_at
    )


def went(campaign, lead, when):
    Enrollment.objects.for_workspace(campaign.workspace).filter(campaign=campaign, lead=lead).update(
        last_sent_at=when
    )


def noise(workspace, lead):
    """Another campaign with a sent message, a reply, a bounce and an ending: none of it may count."""
    other = CampaignFactory(workspace=workspace, name=f"Other of {workspace.slug}")
    enroll(other, [lead])
    message = send(other, lead, 1, at(2, 14))
    reply(message, at(3, 14))
    reply(message, at(3, 15), kind=Reply.Kind.BOUNCE, hard_bounce=True)
    ended(other, lead, Enrollment.Status.COMPLETED, at(4, 14), last_sent_at=at(2, 14))


@pytest.fixture
def crafted(workspace, other_workspace):
    campaign = CampaignFactory(workspace=workspace, name="New York outreach")
    Campaign.objects.for_workspace(workspace).filter(pk=campaign.pk).update(
        schedule_timezone="America/New_York"
    )
    campaign.refresh_from_db()
    add_step(campaign)
    add_step(campaign, subject="")
    leads = {n: LeadFactory(workspace=workspace, email=f"l{n}@example.com") for n in range(1, 9)}
    enroll(campaign, list(leads.values()))
    l1, l2, l3, l4, l5, l6, _, l8 = leads.values()

    send(campaign, l1, 1, at(1, 14))
    l1_step2 = send(campaign, l1, 2, at(3, 14))
    reply(l1_step2, at(4, 2))  # 21:00 on March 3 in New York
    reply(l1_step2, at(4, 15))  # the same lead again, the next day
    ended(campaign, l1, Enrollment.Status.REPLIED, at(4, 2), last_sent_at=l1_step2.sent_at)

    l2_step1 = send(campaign, l2, 1, at(2, 3))  # 22:00 on March 1 in New York
    reply(l2_step1, at(2, 5), kind=Reply.Kind.BOUNCE, hard_bounce=True)
    ended(campaign, l2, Enrollment.Status.BOUNCED, at(2, 5), last_sent_at=l2_step1.sent_at)

    l3_step1 = send(campaign, l3, 1, at(2, 14))
    reply(l3_step1, at(3, 14))
    ended(campaign, l3, Enrollment.Status.UNSUBSCRIBED, at(3, 18), last_sent_at=l3_step1.sent_at)

    send(campaign, l4, 1, at(2, 15))
    l4_step2 = send(campaign, l4, 2, at(4, 14))
    reply(l4_step2, at(4, 16), kind=Reply.Kind.AUTO_REPLY)  # out of office: not a reply
    ended(campaign, l4, Enrollment.Status.COMPLETED, at(4, 14), last_sent_at=l4_step2.sent_at)

    send(campaign, l5, 1, at(2, 16), status=Message.Status.FAILED)  # 550 at the first step
    ended(campaign, l5, Enrollment.Status.BOUNCED, at(2, 16))

    old = datetime(2027, 2, 20, 14, tzinfo=UTC)  # before the last 7 days
    send(campaign, l6, 1, old)
    ended(campaign, l6, Enrollment.Status.COMPLETED, old, last_sent_at=old)

    ended(campaign, l8, Enrollment.Status.UNSUBSCRIBED, at(5, 13))  # never sent to

    noise(workspace, l1)
    noise(other_workspace, LeadFactory(workspace=other_workspace))
    return campaign


EXPECTED_TOTALS = {
    "enrolled": 8,
    "contacted": 6,  # L1-L4 and L6 were sent a message, L5 bounced at its first
    "sent": 7,
    "replied": 2,
    "bounced": 2,
    "unsubscribed": 2,
    "completed": 2,
    "reply_rate": 0.3333,
    "bounce_rate": 0.3333,
}
ZERO = {"sent": 0, "replied": 0, "bounced": 0, "unsubscribed": 0, "completed": 0}
EXPECTED_DAILY = [
    {"date": "2027-02-27", **ZERO},
    {"date": "2027-02-28", **ZERO},
    {"date": "2027-03-01", **ZERO, "sent": 2},
    {"date": "2027-03-02", **ZERO, "sent": 2, "bounced": 2},
    {"date": "2027-03-03", **ZERO, "sent": 1, "replied": 2, "unsubscribed": 1},
    {"date": "2027-03-04", **ZERO, "sent": 1, "replied": 1, "completed": 1},
    {"date": "2027-03-05", **ZERO, "unsubscribed": 1},
]
EXPECTED_STEPS = [
    {"step": 1, "sent": 5, "replied": 1, "bounced": 2, "reply_rate": 0.2},
    {"step": 2, "sent": 2, "replied": 1, "bounced": 0, "reply_rate": 0.5},
]


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_the_api_answers_exact_totals_days_in_the_campaigns_timezone_and_steps(api_client, crafted, frozen):
    response = api_client.get(reverse("api:campaign-stats", args=[crafted.pk]), {"days": 7})

    assert response.status_code == 200
    body = response.json()
    assert body["campaign"] == crafted.pk
    assert body["timezone"] == "America/New_York" and body["days"] == 7
    assert body["totals"] == EXPECTED_TOTALS
    assert body["daily"] == EXPECTED_DAILY
    assert body["steps"] == EXPECTED_STEPS


def test_days_default_to_30_ending_today_with_empty_days_as_zeros(api_client, crafted, frozen):
    body = api_client.get(reverse("api:campaign-stats", args=[crafted.pk])).json()

    assert body["days"] == 30 and len(body["daily"]) == 30
    assert body["daily"][0]["date"] == "2027-02-04" and body["daily"][-1]["date"] == "2027-03-05"
    assert body["daily"][-7:] == EXPECTED_DAILY
    earlier = {day["date"]: day for day in body["daily"][:-7]}
    assert earlier.pop("2027-02-20") == {"date": "2027-02-20", **ZERO, "sent": 1, "completed": 1}  # L6
    assert all(day == {"date": day["date"], **ZERO} for day in earlier.values())


def test_the_same_messages_fall_on_other_days_in_utc(crafted, frozen):
    Campaign.objects.for_workspace(crafted.workspace).filter(pk=crafted.pk).update(schedule_timezone="UTC")
    crafted.refresh_from_db()

    stats = campaign_stats(workspace=crafted.workspace, campaign=crafted, days=7)

    by_day = {day.date: day for day in stats.daily}
    # L2's first step (03:00 UTC on March 2) and L1's first reply (02:00 UTC on March 4) move a day on.
    assert (by_day[date(2027, 3, 1)].sent, by_day[date(2027, 3, 2)].sent) == (1, 3)
    assert (by_day[date(2027, 3, 3)].replied, by_day[date(2027, 3, 4)].replied) == (1, 1)
    assert stats.timezone == "UTC"


@pytest.mark.parametrize("days", ["0", "366", "-1", "", "thirty", "7.5"])
def test_days_outside_1_to_365_or_not_a_whole_number_is_a_400_naming_it(api_client, crafted, days):
    response = api_client.get(reverse("api:campaign-stats", args=[crafted.pk]), {"days": days})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "days" in error["details"]


@pytest.mark.parametrize("days", [1, 365])
def test_days_at_the_bounds_are_accepted(api_client, crafted, frozen, days):
    body = api_client.get(reverse("api:campaign-stats", args=[crafted.pk]), {"days": days}).json()

    assert len(body["daily"]) == days and body["daily"][-1]["date"] == "2027-03-05"
    assert body["totals"] == EXPECTED_TOTALS


def test_a_campaign_with_nothing_sent_has_zeros_and_no_rates(api_client, workspace, frozen):
    campaign = CampaignFactory(workspace=workspace)
    add_step(campaign)

    body = api_client.get(reverse("api:campaign-stats", args=[campaign.pk]), {"days": 3}).json()

    assert body["totals"]["sent"] == 0 and body["totals"]["reply_rate"] is None
    assert body["totals"]["bounce_rate"] is None
    assert body["steps"] == [{"step": 1, "sent": 0, "replied": 0, "bounced": 0, "reply_rate": None}]
    assert [day["date"] for day in body["daily"]] == ["2027-03-03", "2027-03-04", "2027-03-05"]


def test_the_schema_describes_the_answer_and_the_days_parameter():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/campaigns/{campaign_id}/stats"]["get"]
    components = schema["components"]["schemas"]

    (days,) = [p for p in operation["parameters"] if p["name"] == "days"]
    assert days["schema"]["minimum"] == 1 and days["schema"]["maximum"] == 365
    assert days["schema"]["default"] == 30
    assert set(operation["responses"]) >= {"200", "400", "404"}
    answer = components["CampaignStats"]
    assert set(answer["properties"]) == {"campaign", "timezone", "days", "totals", "daily", "steps"}
    assert set(components["Totals"]["properties"]) == set(EXPECTED_TOTALS)
    assert set(components["Day"]["properties"]) == {"date", *ZERO}
    assert set(components["StepStats"]["properties"]) == set(EXPECTED_STEPS[0])
    assert components["Totals"]["properties"]["reply_rate"]["nullable"] is True


def test_the_analytics_page_shows_the_numbers_the_chart_and_the_steps(crafted, frozen):
    client = Client()
    client.force_login(owner_of(crafted.workspace))

    response = client.get(reverse("campaign_analytics", args=[crafted.pk]), {"days": 7})

    assert response.status_code == 200
    page = response.content.decode()
    for name, value in [("enrolled", "8"), ("contacted", "6"), ("sent", "7"), ("unsubscribed", "2")]:
        assert f'data-testid="stat-{name}">{value}</dd>' in page
    assert 'data-testid="stat-replied">2 <small>33.3%</small>' in page
    assert 'data-testid="stat-bounced">2 <small>33.3%</small>' in page
    # The period's totals in the legend: 6 sent in the last 7 days (L6's was before them).
    assert 'data-testid="period-sent">6<' in page and 'data-testid="period-replied">3<' in page
    assert '<title id="chart-title">' in page and '<desc id="chart-desc">' in page
    assert page.count("<polyline") == 5
    assert '<th scope="row">Wed, Mar 3</th><td class="number">1</td><td class="number">2</td>' in page
    assert '<th scope="row">Step 1</th><td class="number">5</td><td class="number">1</td>' in page
    assert '<td class="number">20.0%</td><td class="number">2</td>' in page


def test_the_page_ignores_a_period_it_does_not_offer(crafted, frozen):
    client = Client()
    client.force_login(owner_of(crafted.workspace))

    response = client.get(reverse("campaign_analytics", args=[crafted.pk]), {"days": "nine"})

    assert response.status_code == 200 and response.context["stats"].days == 30


def test_the_campaign_page_links_to_its_analytics(crafted):
    client = Client()
    client.force_login(owner_of(crafted.workspace))

    page = client.get(reverse("campaign_detail", args=[crafted.pk])).content.decode()

    assert reverse("campaign_analytics", args=[crafted.pk]) in page


def test_the_chart_draws_counts_from_zero_on_a_time_axis(crafted, frozen):
    stats = campaign_stats(workspace=crafted.workspace, campaign=crafted, days=7)

    drawn = chart(stats.daily)

    sent = next(line for line in drawn.lines if line.series == "sent")
    points = [tuple(map(float, point.split(","))) for point in sent.points.split()]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert xs[0] == drawn.left and xs[-1] == drawn.right
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert max(gaps) - min(gaps) <= 0.2  # a day is a day apart (to the tenth of a unit drawn)
    assert ys[0] == drawn.bottom  # zero is the bottom
    assert [tick.label for tick in drawn.y_ticks] == ["0", "2", "4"]
    tops = [nice_ceiling(n) for n in (0, 3, 4, 5, 9, 10, 11, 21, 51, 101, 999)]
    assert tops == [4, 4, 4, 10, 10, 10, 20, 50, 100, 200, 1000]
