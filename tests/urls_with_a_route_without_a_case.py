"""The project's URLs plus one route with an id and no cross-tenant case (tests/test_cross_tenant.py)."""

from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("gadgets/<id:gadget_id>/", lambda request, gadget_id: HttpResponse(), name="gadget_detail"),
    path("", include("config.urls")),
]
