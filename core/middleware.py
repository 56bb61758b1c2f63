"""A dashboard POST's body is read (by the CSRF check, files into temporary files) before its view runs:
a stranger could have the server store a body of any size. Bodies larger than Django reads into memory
(``DATA_UPLOAD_MAX_MEMORY_SIZE``) are refused, unread, from anyone not signed in. The API decides for
itself (a stranger's upload there is a 401 in the API's format, before its size is looked at)."""

from django.conf import settings
from django.shortcuts import render


class AnonymousUploadLimitMiddleware:
    """Placed after the authentication middleware: it runs before any view's CSRF check reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            request.method == "POST"
            and limit is not None
            and not request.path_info.startswith("/api/")
            and content_length(request) > limit
            and not request.user.is_authenticated
        ):
            # Rendered here: Django's 403 view would check the CSRF token, reading the body after all.
            return render(request, "403.html", {"exception": "Sign in to upload files."}, status=403)
        return self.get_response(request)


def content_length(request):
    """The body's declared length in bytes; 0 when there is none or it is not a number."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    return int(length) if length.isascii() and length.isdigit() else 0
