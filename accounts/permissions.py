from rest_framework import permissions

from accounts.models import Role


class IsWorkspaceMember(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(
            request.user
            and request.user.is_authenticated
            and getattr(request, "workspace", None) is not None
            and getattr(request, "membership", None) is not None
        )


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
