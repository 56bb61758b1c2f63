from django.urls import path

from sending import api

urlpatterns = [
    path("mailboxes", api.MailboxListView.as_view(), name="mailboxes"),
    path("mailboxes/<id:mailbox_id>", api.MailboxDetailView.as_view(), name="mailbox-detail"),
    path("mailboxes/<id:mailbox_id>/test", api.MailboxTestView.as_view(), name="mailbox-test"),
]
