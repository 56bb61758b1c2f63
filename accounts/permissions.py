from rest_framework import permissions

from accounts.models import ApiKey, Role
from accounts.scopes import EVERY_SCOPE, missing_scope, needs_no_scope, required_scope
from core.errors import NotAllowed


class MissingScope(NotAllowed):
    """403 ``permission_denied`` naming, in ``details.missing_scope``, the scope the API key lacks."""

    def __init__(self, scope):
        if scope == EVERY_SCOPE:
            message = "This API key's scopes do not allow this: it needs a key with every scope."
        else:
            message = f"This API key's scopes do not allow this: it needs the scope {scope}."
        super().__init__(message, details={"missing_scope": scope})


class IsWorkspaceMember(permissions.BasePermission):
    """A member of the request's workspace; through an API key, one whose scopes allow the view's method
    (accounts.scopes). Every role below builds on it, so no view can skip the scope check."""

    def has_permission(self, request, view):
        allowed = bool(
            request.user
            and request.user.is_authenticated
            and getattr(request, "workspace", None) is not None
            and getattr(request, "membership", None) is not None
        )
        if allowed and isinstance(request.auth, ApiKey) and not needs_no_scope(request.method):
            missing = missing_scope(request.auth.scopes, required_scope(view, request.method))
            if missing is not None:
                raise MissingScope(missing)
        return allowed


class _HasRole(IsWorkspaceMember):
    role = Role.MEMBER

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not request.membership.has_role(self.role):
            self.message = f"This needs the {self.role.label.lower()} role in the workspace."
            return False
        return True


class IsWorkspaceAdmin(_HasRole):
    role = Role.ADMIN


class IsWorkspaceOwner(_HasRole):
    role = Role.OWNER
