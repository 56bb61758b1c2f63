from django.urls import path

from sending import api, suppressions_api

urlpatterns = [
    path("mailboxes", api.MailboxListView.as_view(), name="mailboxes"),
    path("mailboxes/<id:mailbox_id>", api.MailboxDetailView.as_view(), name="mailbox-detail"),
    path("mailboxes/<id:mailbox_id>/test", api.MailboxTestView.as_view(), name="mailbox-test"),
    path("suppressions", suppressions_api.SuppressionListView.as_view(), name="suppressions"),
    path(
        "suppressions/<id:suppression_id>",
        suppressions_api.SuppressionDetailView.as_view(),
        name="suppression-detail",
    ),
]
