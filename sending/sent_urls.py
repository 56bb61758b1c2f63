from django.urls import path

from sending import sent_views

urlpatterns = [
    path("campaigns/<id:campaign_id>/sent/", sent_views.campaign_sent, name="campaign_sent"),
]
