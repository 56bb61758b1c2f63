from django.urls import path

from sending import views

urlpatterns = [
    path("mailboxes/", views.mailbox_list, name="mailboxes"),
    path("mailboxes/<id:mailbox_id>/", views.mailbox_edit, name="mailbox_edit"),
    path("mailboxes/<id:mailbox_id>/status/", views.mailbox_status, name="mailbox_status"),
    path("mailboxes/<id:mailbox_id>/test/", views.mailbox_test, name="mailbox_test"),
    path("mailboxes/<id:mailbox_id>/delete/", views.mailbox_delete, name="mailbox_delete"),
    path("campaigns/<id:campaign_id>/mailboxes/", views.campaign_mailboxes, name="campaign_mailboxes"),
]
