from django.urls import path

from sending import stats_api

urlpatterns = [
    path("campaigns/<id:campaign_id>/stats", stats_api.CampaignStatsView.as_view(), name="campaign-stats"),
]
