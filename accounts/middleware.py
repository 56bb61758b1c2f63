from accounts.selectors import membership_for, memberships_for_user

SESSION_WORKSPACE_KEY = "workspace_id"


def current_membership(request):
    """The signed-in user's membership in the workspace chosen in the session (or their first one)."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = memberships_for_user(user)
    chosen = request.session.get(SESSION_WORKSPACE_KEY)
    membership = memberships.filter(workspace_id=chosen).first() if chosen else None
    return membership or memberships.first()


class CurrentWorkspaceMiddleware:
    """Sets ``request.membership`` and ``request.workspace`` for dashboard requests (session login)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = current_membership(request)
        request.workspace = request.membership.workspace if request.membership else None
        return self.get_response(request)


def select_workspace(request, workspace):
    membership = membership_for(user=request.user, workspace=workspace)
    if membership is None:
        return False
    request.session[SESSION_WORKSPACE_KEY] = workspace.pk
    return True
