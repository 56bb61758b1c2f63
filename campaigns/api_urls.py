from django.urls import path

from campaigns import api

urlpatterns = [
    path("campaigns", api.CampaignListView.as_view(), name="campaigns"),
    path("campaigns/<id:campaign_id>", api.CampaignDetailView.as_view(), name="campaign-detail"),
    path("campaigns/<id:campaign_id>/leads", api.CampaignLeadsView.as_view(), name="campaign-leads"),
    path(
        "campaigns/<id:campaign_id>/leads/<id:lead_id>",
        api.CampaignLeadView.as_view(),
        name="campaign-lead-detail",
    ),
    path(
        "campaigns/<id:campaign_id>/leads/remove",
        api.CampaignLeadsRemoveView.as_view(),
        name="campaign-leads-remove",
    ),
    path("campaigns/<id:campaign_id>/steps", api.StepListView.as_view(), name="campaign-steps"),
    path(
        "campaigns/<id:campaign_id>/steps/<id:step_id>",
        api.StepDetailView.as_view(),
        name="campaign-step-detail",
    ),
    path("campaigns/<id:campaign_id>/preview", api.PreviewView.as_view(), name="campaign-preview"),
]
