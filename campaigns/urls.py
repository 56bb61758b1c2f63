from django.urls import include, path

from campaigns import views
from campaigns.importing import views as import_views

urlpatterns = [
    path("", include("campaigns.contacts.urls")),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<id:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<id:campaign_id>/rename/", views.campaign_rename, name="campaign_rename"),
    path("campaigns/<id:campaign_id>/status/", views.campaign_status, name="campaign_status"),
    path("campaigns/<id:campaign_id>/delete/", views.campaign_delete, name="campaign_delete"),
    path("campaigns/<id:campaign_id>/leads/add/", views.campaign_leads_add, name="campaign_leads_add"),
    path(
        "campaigns/<id:campaign_id>/leads/remove/", views.campaign_leads_remove, name="campaign_leads_remove"
    ),
    path(
        "campaigns/<id:campaign_id>/leads/<id:lead_id>/status/",
        views.campaign_lead_status,
        name="campaign_lead_status",
    ),
    path("campaigns/<id:campaign_id>/sequence/", views.campaign_sequence, name="campaign_sequence"),
    path("campaigns/<id:campaign_id>/sequence/<id:step_id>/", views.campaign_step, name="campaign_step"),
    path(
        "campaigns/<id:campaign_id>/sequence/<id:step_id>/move/",
        views.campaign_step_move,
        name="campaign_step_move",
    ),
    path(
        "campaigns/<id:campaign_id>/sequence/<id:step_id>/delete/",
        views.campaign_step_delete,
        name="campaign_step_delete",
    ),
    path("campaigns/<id:campaign_id>/schedule/", views.campaign_schedule, name="campaign_schedule"),
    path("campaigns/<id:campaign_id>/import/", import_views.campaign_import, name="campaign_import"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/<id:job_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<id:job_id>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("imports/<id:job_id>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<id:job_id>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("imports/<id:job_id>/errors.csv", import_views.import_errors, name="import_errors"),
]
