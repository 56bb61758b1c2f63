from accounts.selectors import memberships_for_user


def workspace(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_workspace": request.workspace,
        "current_membership": request.membership,
        "user_memberships": memberships_for_user(user),
    }
