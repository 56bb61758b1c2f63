from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.errors import api_not_found
from core.api.health import healthz
from sending import unsubscribe_views

# Each app's own API URLs, in one "api" namespace: reverse("api:leads").
api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("billing.api_urls")),
    path("", include("campaigns.contacts.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("campaigns.importing.api_urls")),
    path("", include("leadfinder.api_urls")),
    path("", include("sending.api_urls")),
    path("", include("sending.messages_api_urls")),
    path("", include("sending.replies_api_urls")),
    path("", include("sending.stats_api_urls")),
    path("", include("webhooks.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Public, from every message sent (rule 21): no login, no cookie, no CSRF token.
    path("u/<str:token>", unsubscribe_views.unsubscribe, name="unsubscribe"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI starts with inline scripts: no Content-Security-Policy on this page.
    path("api/docs/", csp_override({})(SpectacularSwaggerView.as_view(url_name="schema")), name="api-docs"),
    # Every other path under /api is a JSON 404; "/api" too, which APPEND_SLASH would redirect otherwise.
    re_path(r"^api(?:/|$)", api_not_found),
    path("", include("campaigns.urls")),
    path("", include("sending.sent_urls")),
    path("", include("sending.stats_urls")),
    path("", include("leadfinder.urls")),
    path("", include("sending.urls")),
    path("", include("sending.suppressions_urls")),
    path("", include("sending.replies_urls")),
    path("", include("billing.urls")),
    path("", include("webhooks.urls")),
    path("", include("accounts.urls")),
]
