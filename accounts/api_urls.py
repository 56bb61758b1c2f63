from django.urls import path

from accounts import api

urlpatterns = [
    path("workspace", api.WorkspaceView.as_view(), name="workspace"),
]
