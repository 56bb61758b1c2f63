from django.urls import path

from sending import replies_views

urlpatterns = [
    path("replies/", replies_views.reply_list, name="replies"),
    path("replies/<id:reply_id>/", replies_views.reply_detail, name="reply_detail"),
    path("replies/<id:reply_id>/label/", replies_views.reply_label, name="reply_label"),
]
