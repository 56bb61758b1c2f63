from django.urls import path

from campaigns.importing import api

urlpatterns = [
    path("imports", api.ImportListView.as_view(), name="imports"),
    path("imports/<id:job_id>", api.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<id:job_id>/errors.csv", api.ImportErrorsView.as_view(), name="import-errors"),
    path("imports/<id:job_id>/cancel", api.ImportCancelView.as_view(), name="import-cancel"),
]
