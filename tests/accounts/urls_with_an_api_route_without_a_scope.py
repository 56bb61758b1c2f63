"""The project's URLs plus one /api/v1 route whose view declares no scope (tests/accounts/
test_api_key_scopes.py), inside the included "api" namespace as the apps' own are."""

from django.urls import include, path
from rest_framework.response import Response

from core.api.views import WorkspaceAPIView


class GadgetListView(WorkspaceAPIView):
    def get(self, request):
        return Response([])


gadget_urls = ([path("gadgets", GadgetListView.as_view(), name="gadgets")], "api")

urlpatterns = [
    path("api/v1/", include(gadget_urls)),
    path("", include("config.urls")),
]
