from django.urls import path

from accounts.api import WorkspaceView

app_name = "api"

urlpatterns = [
    path("workspace", WorkspaceView.as_view(), name="workspace"),
]
