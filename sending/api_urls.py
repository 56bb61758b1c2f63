from django.urls import path

from sending import suppressions_api

urlpatterns = [
    path("suppressions", suppressions_api.SuppressionListView.as_view(), name="suppressions"),
    path(
        "suppressions/<id:suppression_id>",
        suppressions_api.SuppressionDetailView.as_view(),
        name="suppression-detail",
    ),
]
