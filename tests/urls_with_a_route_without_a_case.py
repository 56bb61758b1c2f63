"""The project's URLs plus one route with an id and no cross-tenant case (tests/test_cross_tenant.py),
inside an included, namespaced URLconf as the apps' own are."""

from django.http import HttpResponse
from django.urls import include, path

gadget_urls = ([path("<id:gadget_id>/", lambda request, gadget_id: HttpResponse(), name="detail")], "gadgets")

urlpatterns = [
    path("gadgets/", include(gadget_urls)),
    path("", include("config.urls")),
]
