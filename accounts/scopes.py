"""What an API key may do: its scopes (API.md). A key made without scopes has all of them.

Each ``/api/v1`` view declares the scope each of its methods needs in one class attribute,
``required_scopes``, a mapping of HTTP method → scope; ``read_write(area)`` and ``every_method(scope)``
write the usual ones. ``HEAD`` needs the scope of ``GET``; ``OPTIONS`` (the endpoint's description, no
workspace data) needs none. ``NO_SCOPE`` marks what any key may do; ``EVERY_SCOPE`` what no single scope
covers (billing changes, workspace settings), which needs a key with all the scopes, as does a method that
declares nothing. accounts.permissions checks it on every API-key request; dashboard sessions are not
limited by scopes. tests/accounts/test_api_key_scopes.py fails for a route whose methods do not all
declare one.
"""

from collections.abc import Mapping

SCOPES = (
    "leads:read",
    "leads:write",
    "campaigns:read",
    "campaigns:write",
    "imports:write",
    "leadfinder:read",
    "leadfinder:spend",
    "billing:read",
    "sending:write",
    "webhooks:write",
)

SCOPE_DESCRIPTIONS = {
    "leads:read": "read contacts",
    "leads:write": "create, change and delete contacts",
    "campaigns:read": "read campaigns, their contacts, sequences, sent log, replies and stats",
    "campaigns:write": "create, change and delete campaigns; add and remove their contacts; sequences",
    "imports:write": "upload CSV files and follow, cancel and read their imports",
    "leadfinder:read": "search the Lead Finder and read past downloads",
    "leadfinder:spend": "download from the Lead Finder, spending lead credits",
    "billing:read": "read the usage, plan, subscription and ledger",
    "sending:write": "mailboxes and the suppression list, read and write",
    "webhooks:write": "webhook endpoints and their deliveries, read and write",
}

# Any key may: who the key is (GET /workspace: the first call of an integration, and the example on the
# API keys page).
NO_SCOPE = "none"
# Needed where no single scope covers the request: only a key holding every scope passes. Named "all" in
# the 403's details.missing_scope.
EVERY_SCOPE = "all"

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def read_write(area: str) -> dict[str, str]:
    """``GET`` needs ``<area>:read``; every write needs ``<area>:write``."""
    return {"GET": f"{area}:read", **dict.fromkeys(WRITE_METHODS, f"{area}:write")}


def every_method(scope: str) -> dict[str, str]:
    """One scope for reads and writes alike (an area that has only a write scope covers its reads)."""
    return dict.fromkeys(("GET", *WRITE_METHODS), scope)


def required_scope(view: object, method: str) -> str | None:
    """The scope ``view`` declares for ``method``; None where it declares none (OPTIONS needs none, but
    callers tell it apart: see ``needs_no_scope``)."""
    declared: Mapping[str, str] = getattr(view, "required_scopes", None) or {}
    return declared.get("GET" if method == "HEAD" else method)


def needs_no_scope(method: str) -> bool:
    return method == "OPTIONS"


def missing_scope(granted: list[str] | None, needed: str | None) -> str | None:
    """The scope a key with ``granted`` (None: all) lacks for a request that needs ``needed`` (None: the
    view declares nothing, which only a key with every scope may use), or None if it may."""
    if granted is None or needed == NO_SCOPE:
        return None
    if needed is None or needed == EVERY_SCOPE:
        return None if set(SCOPES) <= set(granted) else EVERY_SCOPE
    return None if needed in granted else needed
