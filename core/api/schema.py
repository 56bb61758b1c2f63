"""How drf-spectacular describes the API in the OpenAPI document: authentication, and the errors every
operation may answer (one place, so that no view has to repeat them)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from core.api import throttling
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
                "429 `rate_limited`, with `Retry-After`, whatever key they carry. A key holds scopes (none "
                "chosen: all); a request outside them is 403 `permission_denied` naming "
                "`details.missing_scope`."
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


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="snake_case, e.g. invalid, not_found, rate_limited.")
    message = serializers.CharField(help_text="A sentence for a person.")
    details = serializers.DictField(help_text="invalid: field → messages; otherwise what the code names.")


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API (API.md)."""

    error = ErrorDetailSerializer()


# What each error status means wherever it can happen; a view's own description of it comes first.
INVALID = "invalid: a parameter or field is not valid (details: field → messages)."
NOT_AUTHENTICATED = "not_authenticated: no API key, or one that is not valid or has been revoked."
PERMISSION_DENIED = (
    "permission_denied: the key's (or session's) role may not do this, the key's scopes do not allow it "
    "(`details.missing_scope`), or a session request came without its CSRF token."
)
MISSING_SCOPE = (
    "permission_denied: the key's scopes do not allow it; `details.missing_scope` names the scope it needs "
    "(`all`: only a key with every scope may)."
)
NOT_FOUND_HERE = "not_found: no such id in this workspace (another workspace's ids are not found either)."
IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use: a request with this Idempotency-Key is still running."
REQUEST_TOO_LARGE = "request_too_large: the body is larger than this endpoint accepts."
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type: the body is not of the content type documented here."
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused: this Idempotency-Key was used for another request."
RATE_LIMITED = (
    "rate_limited: too many requests for this workspace (or failed authentications from this address); "
    "retry after `Retry-After` seconds."
)
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
}

# The headers of every answer (core.api.throttling), described once under components/headers.
RATE_LIMIT_HEADERS = {
    throttling.LIMIT: "Requests allowed in the current window: the workspace's (`API_THROTTLE_RATE`), or "
    "before a key is accepted, the client address's failed authentications (`FAILED_SIGN_IN_RATE`).",
    throttling.REMAINING: "Requests left in the current window (0 once it is spent).",
    throttling.RESET: "Whole seconds until the current window ends and the budget starts again.",
}


def rate_limit_header_components(result, generator, request, public):
    """A postprocessing hook of drf-spectacular: the rate-limit headers as reusable components."""
    result.setdefault("components", {})["headers"] = {
        name: {"required": True, "schema": {"type": "integer", "minimum": 0}, "description": description}
        for name, description in RATE_LIMIT_HEADERS.items()
    }
    return result


RATE_LIMIT_HEADER_REFS = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}


class ApiAutoSchema(AutoSchema):
    """Adds to every operation the error answers it can give, each with the error body of API.md: a view
    declares only the ones of its own (402, a 409 of its rules, …), or a better description of one."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error_body = {
            "application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
        }
        responses = operation["responses"]
        for status, description in self._possible_errors(operation).items():
            response = responses.setdefault(status, {"description": ""})
            code = description.split(":")[0]
            # A view's own words about the same code say it better; another code can happen as well.
            if not response["description"].startswith(f"{code}:"):
                response["description"] = " ".join(filter(None, [response["description"], description]))
            if status == "429":
                response["headers"] = RETRY_AFTER
        for status, response in responses.items():
            if status.startswith("4"):
                response.setdefault("content", error_body)
            response["headers"] = {**RATE_LIMIT_HEADER_REFS, **response.get("headers", {})}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _possible_errors(self, operation):
        # A POST's body is read even where none is documented: an Idempotency-Key covers it.
        reads_body = "requestBody" in operation or self.method == "POST"
        locations = {parameter["in"] for parameter in operation.get("parameters", [])}
        errors = {"401": NOT_AUTHENTICATED}
        if reads_body or "query" in locations:
            errors["400"] = INVALID
        errors["403"] = MISSING_SCOPE if self.method in ("GET", "HEAD", "OPTIONS") else PERMISSION_DENIED
        if "path" in locations:
            errors["404"] = NOT_FOUND_HERE
        if self.method == "POST":
            errors["409"] = IDEMPOTENCY_KEY_IN_USE
        if reads_body:
            errors["413"] = REQUEST_TOO_LARGE
            errors["415"] = UNSUPPORTED_MEDIA_TYPE
        if self.method == "POST":
            errors["422"] = IDEMPOTENCY_KEY_REUSED
        errors["429"] = RATE_LIMITED
        return errors
