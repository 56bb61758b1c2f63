"""How drf-spectacular describes our authentication in the OpenAPI document."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from core.api.idempotency import HEADER


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A workspace API key: `Authorization: Bearer lp_<prefix>_<secret>`. Refused keys count "
                "against the client's address: past 10 a minute (`FAILED_SIGN_IN_RATE`) its requests are "
                "429 `rate_limited`, with `Retry-After`, whatever key they carry."
            ),
        }


class WorkspaceSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.WorkspaceSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


# Any id of the path (or body) that is not the workspace's: 404, never 403 (rule 15).
NOT_FOUND = OpenApiResponse(description="not_found: no such id in this workspace.")

# The header of rule 13, for the OpenAPI description of every POST that creates or spends.
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Retrying with the same key and body within 24 h replays the first answer.",
)

# Billing changes (plan, credit packs, add-ons) are the owners' (rule 16); an unknown code is a 400.
OWNERS_ONLY = OpenApiResponse(description="permission_denied: only the workspace's owners change billing.")
INVALID_CODE = OpenApiResponse(
    description="invalid: an unknown code or a value out of range, named in details."
)
