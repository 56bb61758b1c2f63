"""The dashboard's Analytics page: a campaign's numbers, its last days as a chart and a table, its steps."""

from django.shortcuts import render

from accounts.decorators import workspace_required
from campaigns.models import Campaign
from sending.stats import DEFAULT_DAYS, SERIES, campaign_stats
from sending.stats_chart import chart

# The periods the page offers; the API takes any number of days from 1 to 365.
PERIODS = (7, 30, 90, 365)


@workspace_required
def campaign_analytics(request, campaign_id):
    campaign = Campaign.objects.get_for_workspace_or_404(request.workspace, campaign_id)
    try:
        days = int(request.GET.get("days", DEFAULT_DAYS))
    except ValueError:
        days = DEFAULT_DAYS
    days = days if days in PERIODS else DEFAULT_DAYS
    stats = campaign_stats(workspace=request.workspace, campaign=campaign, days=days)
    context = {
        "campaign": campaign,
        "stats": stats,
        "chart": chart(stats.daily),
        "series": SERIES,
        "periods": PERIODS,
    }
    return render(request, "sending/campaign_analytics.html", context)
