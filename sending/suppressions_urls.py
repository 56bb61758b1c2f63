from django.urls import path

from sending import suppressions_views

urlpatterns = [
    path("suppressions/", suppressions_views.suppression_list, name="suppressions"),
    path("suppressions/upload/", suppressions_views.suppression_upload, name="suppression_upload"),
    path(
        "suppressions/<id:suppression_id>/delete/",
        suppressions_views.suppression_delete,
        name="suppression_delete",
    ),
]
