from django.contrib.auth.models import AnonymousUser

from accounts.models import ApiKey, Invitation, Membership, User, Workspace
from core.tenancy import TenantQuerySet


def memberships_for_user(user: User) -> TenantQuerySet[Membership]:
    """A user's memberships across workspaces: the one read that crosses tenants by design."""
    return (
        Membership.objects.unscoped()
        .filter(user=user)
        .select_related("workspace")
        .order_by("workspace__name")
    )


def membership_for(*, user: User | AnonymousUser | None, workspace: Workspace | None) -> Membership | None:
    """``user``'s membership of ``workspace``; None for a visitor or a key whose creator is gone."""
    if not isinstance(user, User) or workspace is None:
        return None
    return Membership.objects.for_workspace(workspace).filter(user=user).first()


def workspace_members(*, workspace: Workspace) -> TenantQuerySet[Membership]:
    return Membership.objects.for_workspace(workspace).select_related("user").order_by("user__email")


def api_keys_for_workspace(*, workspace: Workspace) -> TenantQuerySet[ApiKey]:
    return ApiKey.objects.for_workspace(workspace).select_related("created_by").order_by("-created_at")


def pending_invitations(*, workspace: Workspace) -> list[Invitation]:
    return [
        inv for inv in Invitation.objects.for_workspace(workspace).order_by("-created_at") if inv.is_pending
    ]
