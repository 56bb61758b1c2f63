from django.urls import path

from campaigns.contacts import api

urlpatterns = [
    path("leads", api.LeadListView.as_view(), name="leads"),
    path("leads/<id:lead_id>", api.LeadDetailView.as_view(), name="lead-detail"),
]
