from django.urls import path

from leadfinder import api

urlpatterns = [
    path("leadfinder/filters", api.FilterOptionsView.as_view(), name="leadfinder-filters"),
    path("leadfinder/prospects", api.ProspectListView.as_view(), name="leadfinder-prospects"),
    path("leadfinder/downloads", api.DownloadListView.as_view(), name="leadfinder-downloads"),
    path(
        "leadfinder/downloads/<id:download_id>",
        api.DownloadDetailView.as_view(),
        name="leadfinder-download-detail",
    ),
    path(
        "leadfinder/downloads/<id:download_id>/file.csv",
        api.DownloadFileView.as_view(),
        name="leadfinder-download-file",
    ),
]
