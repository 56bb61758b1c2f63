"""The public unsubscribe page (rule 21, RFC 8058). Whoever holds the link may use it: no login, no
cookie, no CSRF token (a mail client's one-click POST has none). Its templates stand alone, outside
base.html, so that rendering them touches neither the session nor the CSRF cookie."""

from django.core import signing
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import Workspace
from leads.models import Lead
from leads.selectors import suppressed_emails
from sending.suppression_services import lead_unsubscribe
from sending.unsubscribing import read_token


def _page(template: str, context: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(render_to_string(f"sending/{template}", context), status=status)
    # A link from an email is private to its reader: no shared cache keeps it, no search engine lists it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def partly_shown(email: str) -> str:
    """``j•••@example.com``: enough for the reader to know the address, not enough to copy it."""
    local_part, _, domain = email.rpartition("@")
    return f"{local_part[:1]}•••@{domain}"


def _recipient(token: str) -> tuple[Workspace, Lead | None] | None:
    """The token's workspace and contact (None if the contact is deleted since); None for a bad token."""
    try:
        workspace_id, lead_id, _ = read_token(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return None
    return workspace, Lead.objects.for_workspace(workspace).filter(pk=lead_id).first()


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET shows the address partly and a confirm button; POST (the button, or a mail client's one-click
    ``List-Unsubscribe=One-Click``: any body is accepted) unsubscribes. A link we did not sign is a 404."""
    recipient = _recipient(token)
    if recipient is None:
        return _page("unsubscribe_invalid.html", {}, status=404)
    workspace, lead = recipient
    if lead is None:
        # The sender deleted the contact: it is in none of their campaigns, and its address is unknown.
        return _page("unsubscribe_gone.html", {})
    if request.method == "POST":
        lead_unsubscribe(workspace=workspace, lead=lead)
        return _page("unsubscribe_done.html", {"address": partly_shown(lead.email)})
    context = {
        "address": partly_shown(lead.email),
        "already": bool(suppressed_emails(workspace=workspace, emails=[lead.email])),
        "action": request.path,
    }
    return _page("unsubscribe.html", context)
