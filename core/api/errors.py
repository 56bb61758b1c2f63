"""Every API error in one shape: ``{"error": {"code", "message", "details"}}`` (API.md)."""

import contextlib
import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.throttling import rate_limit_headers
from core.errors import DomainError

logger = logging.getLogger(__name__)

CODES = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "invalid"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "not_authenticated"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "rate_limited"),
]


def error_body(code, message, details=None):
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def _code_for(exc):
    for exc_class, code in CODES:
        if isinstance(exc, exc_class):
            return code
    return getattr(exc, "default_code", "error")


def _message_and_details(exc, code):
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, list):
            detail = {"non_field_errors": detail}
        return "Some fields are not valid: see details.", detail
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        about = getattr(exc, "about", "Too many requests for this workspace")
        return f"{about}; retry in {wait} s.", {"retry_after": wait}
    return exc.detail, {}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        message = "The request body is larger than this endpoint accepts."
        too_large = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        return Response(error_body("request_too_large", message), status=too_large)
    elif isinstance(exc, SuspiciousOperation):  # e.g. more form fields than Django reads
        exc = exceptions.ParseError(f"The request could not be read: {exc}")

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in API view", exc_info=exc)
        return Response(
            error_body("server_error", "Something went wrong on our side; it has been logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    code = _code_for(exc)
    message, details = _message_and_details(exc, code)
    response.data = error_body(code, message, details)
    if isinstance(exc, exceptions.Throttled):
        response["Retry-After"] = str(details["retry_after"])
    return response


@csrf_exempt  # it changes nothing: an unsafe method on an unknown route is a 404, not the CSRF page's 403
def api_not_found(request, *args, **kwargs):
    """Unknown routes under /api/ answer in the API's error format, not with an HTML page, and with the
    rate-limit headers of the budget the request's key (if any) names."""
    response = JsonResponse(error_body("not_found", f"No API endpoint at {request.path}."), status=404)
    for header, value in rate_limit_headers(_authenticated(request)).items():
        response[header] = value
    return response


def _authenticated(request):
    """The request as the API's views see it, its key or session looked at (a refused key is counted as
    any is): nothing else tells whose budget it spends."""
    authenticators = [authentication() for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    api_request = Request(request, authenticators=authenticators)
    with contextlib.suppress(exceptions.APIException):
        api_request.user  # noqa: B018 - reading it authenticates
    return api_request
