from accounts.models import ApiKey, Invitation, Membership


def memberships_for_user(user):
    """A user's memberships across workspaces: the one read that crosses tenants by design."""
    return (
        Membership.objects.unscoped()
        .filter(user=user)
        .select_related("workspace")
        .order_by("workspace__name")
    )


def membership_for(*, user, workspace):
    if not getattr(user, "is_authenticated", False) or workspace is None:
        return None
    return Membership.objects.for_workspace(workspace).filter(user=user).first()


def workspace_members(*, workspace):
    return Membership.objects.for_workspace(workspace).select_related("user").order_by("user__email")


def api_keys_for_workspace(*, workspace):
    return ApiKey.objects.for_workspace(workspace).select_related("created_by").order_by("-created_at")


def pending_invitations(*, workspace):
    return [
        inv for inv in Invitation.objects.for_workspace(workspace).order_by("-created_at") if inv.is_pending
    ]
