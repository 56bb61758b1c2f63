"""Dashboard pages of accounts: sign-up, workspaces, members, API keys, invitations.

Each view parses a form, calls one service, and redirects with a message; services decide the rules.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.decorators import role_required, workspace_required
from accounts.forms import (
    ApiKeyForm,
    InvitationForm,
    InvitationSignUpForm,
    LimitedPasswordChangeForm,
    MembershipRoleForm,
    SignUpForm,
    WorkspaceForm,
    WorkspaceSwitchForm,
    add_domain_error,
)
from accounts.members_sections import members_sections
from accounts.middleware import select_workspace
from accounts.models import Role, User, normalize_email_address
from accounts.selectors import (
    api_keys_for_workspace,
    memberships_for_user,
    pending_invitations,
    workspace_members,
)
from core.errors import DomainError

# The full key of a just-created API key waits here for the one page that shows it.
NEW_API_KEY_SESSION_KEY = "new_api_key"


@workspace_required
def home(request):
    member_count = workspace_members(workspace=request.workspace).count()
    return render(request, "accounts/home.html", {"member_count": member_count})


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, workspace = services.user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                workspace_name=form.cleaned_data["workspace_name"],
                full_name=form.cleaned_data["full_name"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"password": "password1", "name": "workspace_name"})
        else:
            login(request, user)
            select_workspace(request, workspace)
            messages.success(request, f"Welcome to Leadpool! {workspace.name} is ready.")
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@require_POST
@login_required
def workspace_switch(request):
    form = WorkspaceSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404("No such workspace.")
    membership = get_object_or_404(
        memberships_for_user(request.user), workspace_id=form.cleaned_data["workspace"]
    )
    select_workspace(request, membership.workspace)
    messages.success(request, f"You are now working in {membership.workspace.name}.")
    return redirect("home")


@login_required
def workspace_new(request):
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(name=form.cleaned_data["name"], owner=request.user)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            select_workspace(request, workspace)
            messages.success(request, f"{workspace.name} is ready, and you are its owner.")
            return redirect("home")
    return render(request, "accounts/workspace_new.html", {"form": form})


class SettingsPasswordView(PasswordChangeView):
    """Changes the signed-in user's password (the current one first); other sessions end, this one stays."""

    template_name = "accounts/settings_password.html"
    success_url = reverse_lazy("settings_password")
    form_class = LimitedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed.")
        return response


@workspace_required
def settings_workspace(request):
    can_rename = request.membership.has_role(Role.ADMIN)
    if request.method == "POST" and not can_rename:
        raise PermissionDenied("Only owners and admins can rename the workspace.")
    form = WorkspaceForm(request.POST or None, initial={"name": request.workspace.name})
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_rename(workspace=request.workspace, name=form.cleaned_data["name"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"The workspace is now called {workspace.name}.")
            return redirect("settings_workspace")
    return render(request, "accounts/settings_workspace.html", {"form": form, "can_rename": can_rename})


@role_required(Role.ADMIN)
def settings_members(request):
    form = InvitationForm(request.POST or None, acting_membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.invitation_create(
                workspace=request.workspace,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by_membership=request.membership,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("settings_members")
    context = {
        "form": form,
        "members": workspace_members(workspace=request.workspace),
        "invitations": pending_invitations(workspace=request.workspace),
        "roles": Role.choices,
        "sections": members_sections(request),
    }
    return render(request, "accounts/settings_members.html", context)


@role_required(Role.ADMIN)
@require_POST
def member_change_role(request, membership_id):
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("settings_members")
    try:
        membership = services.membership_change_role(
            workspace=request.workspace,
            membership_id=membership_id,
            role=form.cleaned_data["role"],
            acting_membership=request.membership,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("settings_members")
    messages.success(request, f"{membership.user.email} is now {membership.get_role_display().lower()}.")
    if membership.pk == request.membership.pk and not membership.has_role(Role.ADMIN):
        return redirect("home")
    return redirect("settings_members")


@role_required(Role.ADMIN)
@require_POST
def member_remove(request, membership_id):
    try:
        services.membership_remove(
            workspace=request.workspace, membership_id=membership_id, acting_membership=request.membership
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("settings_members")
    if membership_id == request.membership.pk:
        messages.success(request, f"You left {request.workspace.name}.")
        return redirect("home")
    messages.success(request, "Member removed; the API keys they created are revoked.")
    return redirect("settings_members")


@role_required(Role.ADMIN)
@require_POST
def invitation_revoke(request, invitation_id):
    try:
        invitation = services.invitation_revoke(
            workspace=request.workspace, invitation_id=invitation_id, acting_membership=request.membership
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation of {invitation.email} is revoked.")
    return redirect("settings_members")


@never_cache  # it shows a new key once: no browser or proxy may keep a copy
@role_required(Role.ADMIN)
def settings_api_keys(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            api_key, raw_key = services.api_key_create(
                workspace=request.workspace,
                name=form.cleaned_data["name"],
                created_by=request.user,
                scopes=form.cleaned_data["scopes"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            request.session[NEW_API_KEY_SESSION_KEY] = {"workspace_id": request.workspace.pk, "key": raw_key}
            messages.success(request, f"API key “{api_key.name}” created.")
            return redirect("settings_api_keys")
    context = {
        "form": form,
        "api_keys": api_keys_for_workspace(workspace=request.workspace),
        "new_api_key": _pop_new_api_key(request) if request.method == "GET" else None,
    }
    return render(request, "accounts/settings_api_keys.html", context)


def _pop_new_api_key(request):
    """The full key created just before: shown once, and only in the workspace it belongs to."""
    new_api_key = request.session.pop(NEW_API_KEY_SESSION_KEY, None)
    if new_api_key is None or new_api_key["workspace_id"] != request.workspace.pk:
        return None
    return new_api_key["key"]


@role_required(Role.ADMIN)
@require_POST
def api_key_revoke(request, api_key_id):
    api_key = services.api_key_revoke(workspace=request.workspace, api_key_id=api_key_id)
    messages.success(request, f"API key “{api_key.name}” is revoked; requests with it now answer 401.")
    return redirect("settings_api_keys")


def invitation_accept(request, token):
    """The emailed link: join as the signed-in invitee, sign up as a new one, or log in first."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        if User.objects.filter(email=invitation.email).exists():
            messages.info(request, f"Log in as {invitation.email} to join {invitation.workspace.name}.")
            return redirect_to_login(request.get_full_path())
        return _invitation_sign_up(request, invitation, token)
    if normalize_email_address(request.user.email) != invitation.email:
        return render(request, "accounts/invitation_wrong_user.html", {"invitation": invitation}, status=403)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("home")
        return _joined(request, membership)
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation})


def _invitation_sign_up(request, invitation, token):
    form = InvitationSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.user_sign_up_by_invitation(
                token=token, password=form.cleaned_data["password1"], full_name=form.cleaned_data["full_name"]
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"password": "password1"})
        else:
            login(request, membership.user)
            return _joined(request, membership)
    return render(request, "accounts/invitation_sign_up.html", {"form": form, "invitation": invitation})


def _joined(request, membership):
    select_workspace(request, membership.workspace)
    messages.success(
        request, f"You joined {membership.workspace.name} as {membership.get_role_display().lower()}."
    )
    return redirect("home")
