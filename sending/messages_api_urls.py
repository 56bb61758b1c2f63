from django.urls import path

from sending import messages_api

urlpatterns = [
    path(
        "campaigns/<id:campaign_id>/messages",
        messages_api.CampaignMessagesView.as_view(),
        name="campaign-messages",
    ),
]
