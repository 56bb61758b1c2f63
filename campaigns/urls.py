from django.urls import path

from campaigns import views

urlpatterns = [
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:lead_id>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:lead_id>/delete/", views.contact_delete, name="contact_delete"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:campaign_id>/rename/", views.campaign_rename, name="campaign_rename"),
    path("campaigns/<int:campaign_id>/status/", views.campaign_status, name="campaign_status"),
    path("campaigns/<int:campaign_id>/delete/", views.campaign_delete, name="campaign_delete"),
    path("campaigns/<int:campaign_id>/leads/add/", views.campaign_leads_add, name="campaign_leads_add"),
    path(
        "campaigns/<int:campaign_id>/leads/remove/", views.campaign_leads_remove, name="campaign_leads_remove"
    ),
    path("imports/", views.import_list, name="imports"),
]
