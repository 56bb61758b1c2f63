from django.urls import path

from sending import stats_views

urlpatterns = [
    path("campaigns/<id:campaign_id>/analytics/", stats_views.campaign_analytics, name="campaign_analytics"),
]
