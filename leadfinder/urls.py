from django.urls import path

from leadfinder import views

urlpatterns = [
    path("lead-finder/", views.prospect_search, name="leadfinder"),
    path("lead-finder/preview/", views.download_preview, name="leadfinder_preview"),
    path("lead-finder/take/", views.download_take, name="leadfinder_take"),
    path("lead-finder/downloads/", views.download_list, name="leadfinder_downloads"),
    path(
        "lead-finder/downloads/<id:download_id>/file.csv",
        views.download_file,
        name="leadfinder_download_file",
    ),
]
