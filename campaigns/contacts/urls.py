from django.urls import path

from campaigns.contacts import views

urlpatterns = [
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/bulk/", views.contact_bulk, name="contact_bulk"),
    path("contacts/bulk/<id:bulk_action_id>/", views.contact_bulk_status, name="contact_bulk_status"),
    path("contacts/<id:lead_id>/", views.contact_detail, name="contact_detail"),
    path("contacts/<id:lead_id>/delete/", views.contact_delete, name="contact_delete"),
]
