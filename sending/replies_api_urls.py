from django.urls import path

from sending import replies_api

urlpatterns = [
    path("replies", replies_api.ReplyListView.as_view(), name="replies"),
    path("replies/<id:reply_id>", replies_api.ReplyDetailView.as_view(), name="reply-detail"),
]
