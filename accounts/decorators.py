"""Access rules of dashboard pages: signed in, working in a workspace, and holding a role there."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from accounts.models import ROLE_RANK, Role


def workspace_required(view):
    """A signed-in user in a workspace; someone who belongs to none is sent to create one."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.workspace is None:
            messages.info(request, "You are not in any workspace yet: create one to get started.")
            return redirect("workspace_new")
        return view(request, *args, **kwargs)

    return wrapper


def role_required(role):
    """``workspace_required``, and at least ``role`` in the current workspace (else 403)."""

    allowed = " and ".join(f"{r.label.lower()}s" for r in Role if ROLE_RANK[r] >= ROLE_RANK[Role(role)])

    def decorator(view):
        @wraps(view)
        @workspace_required
        def wrapper(request, *args, **kwargs):
            if not request.membership.has_role(role):
                raise PermissionDenied(f"Only {allowed} of {request.workspace.name} can open this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
