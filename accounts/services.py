import secrets
import smtplib
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.text import slugify

from accounts.models import (
    ApiKey,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
    hash_secret,
    normalize_email_address,
)
from accounts.scopes import SCOPES
from accounts.signals import workspace_created
from accounts.workspace_sections import workspace_settings
from core.errors import Conflict, DomainError, NotAllowed
from core.mail import send_mail


class MailUnavailable(DomainError):
    status_code = 503
    code = "email_unavailable"


INVITATION_LIFETIME = timedelta(days=7)
# A key's last use is written at most this often, so that authenticating stays a read.
API_KEY_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug = base
    while Workspace.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def _name(value: str | None, *, field: "models.CharField[Any, str]", what: str) -> str:
    """``value`` on one line (control characters dropped, each run of white space one space: a name goes
    into email subjects), refused when empty or longer than ``field`` holds (a 400, not a database error)."""
    kept = (ch for ch in (value or "") if ch.isspace() or ch.isprintable())
    name = " ".join("".join(kept).split())
    if not name:
        raise DomainError(f"{what} needs a name.", details={"name": ["This field is required."]})
    if field.max_length is not None and len(name) > field.max_length:
        limit = f"at most {field.max_length} characters"
        raise DomainError(f"{what}'s name is {limit}.", details={"name": [f"{limit.capitalize()}."]})
    return name


def _workspace_name(name: str | None) -> str:
    return _name(name, field=Workspace._meta.get_field("name"), what="A workspace")


@transaction.atomic
def workspace_create(*, name: str | None, owner: User, plan_code: str | None = None) -> Workspace:
    """A workspace owned by ``owner``; ``plan_code`` goes to the listeners (billing), None for the default."""
    name = _workspace_name(name)
    workspace = Workspace.objects.create(name=name, slug=_unique_slug(name))
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    workspace_created.send(sender=Workspace, workspace=workspace, plan_code=plan_code)
    return workspace


@transaction.atomic
def workspace_rename(*, workspace: Workspace, name: str | None) -> Workspace:
    workspace.name = _workspace_name(name)
    workspace.save(update_fields=["name"])
    return workspace


@transaction.atomic
def workspace_update(
    *, workspace: Workspace, name: str | None = None, setting_values: Mapping[str, object] | None = None
) -> Workspace:
    """Renames the workspace (``name``, when given) and changes the settings apps registered
    (accounts.workspace_sections) to ``setting_values``, each through its own service, all or nothing."""
    if name is not None:
        workspace = workspace_rename(workspace=workspace, name=name)
    registered = workspace_settings()
    for setting_name, value in (setting_values or {}).items():
        registered[setting_name].write(workspace=workspace, value=value)
    return workspace


def _user_create(*, email: str, password: str, full_name: str) -> User:
    email = normalize_email_address(email)
    if User.objects.filter(email=email).exists():
        raise Conflict(
            "An account with this email already exists.", details={"email": ["Already registered."]}
        )
    user = User(email=email, full_name=full_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("Choose a stronger password.", details={"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_sign_up(
    *, email: str, password: str, workspace_name: str | None, full_name: str = ""
) -> tuple[User, Workspace]:
    """A new user with a new workspace that they own."""
    user = _user_create(email=email, password=password, full_name=full_name)
    workspace = workspace_create(name=workspace_name or f"{user.email.split('@')[0]}'s workspace", owner=user)
    return user, workspace


@transaction.atomic
def api_key_create(
    *,
    workspace: Workspace,
    name: str | None,
    created_by: User | None = None,
    scopes: Iterable[str] | None = None,
) -> tuple[ApiKey, str]:
    """A new key; the returned secret is the only time it is ever shown. ``scopes`` limits what it may do
    (accounts.scopes); none given: every scope."""
    name = _name(name, field=ApiKey._meta.get_field("name"), what="An API key")
    prefix, raw_key = ApiKey.generate()
    api_key = ApiKey.objects.create(
        workspace=workspace,
        name=name,
        prefix=prefix,
        hashed_key=hash_secret(raw_key),
        created_by=created_by,
        scopes=_scopes(scopes),
    )
    return api_key, raw_key


def _scopes(scopes: Iterable[str] | None) -> list[str] | None:
    """The scopes in their documented order, each once; None (every scope) for none."""
    chosen = set(scopes or ())
    unknown = sorted(chosen - set(SCOPES))
    if unknown:
        names = ", ".join(repr(scope) for scope in unknown)
        message = f"Unknown scope {names}; the scopes are {', '.join(SCOPES)}."
        raise DomainError(message, details={"scopes": [message]})
    return [scope for scope in SCOPES if scope in chosen] or None


@transaction.atomic
def api_key_revoke(*, workspace: Workspace, api_key_id: int) -> ApiKey:
    api_key = ApiKey.objects.get_for_workspace_or_404(workspace, api_key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_verify(raw_key: str | None) -> ApiKey | None:
    """The live key behind a bearer token or None. The key decides the workspace: this looks across them."""
    prefix = ApiKey.parse_prefix(raw_key or "")
    if prefix is None:
        return None
    api_key = ApiKey.objects.unscoped().select_related("workspace").filter(prefix=prefix).first()
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not constant_time_compare(api_key.hashed_key, hash_secret(raw_key)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > API_KEY_LAST_USED_RESOLUTION:
        ApiKey.objects.unscoped().filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def _require_manager(acting_membership: Membership | None) -> Membership:
    if acting_membership is None or not acting_membership.can_manage_members:
        raise NotAllowed("Only owners and admins can manage members.")
    return acting_membership


def _owner_count(workspace: Workspace) -> int:
    """The workspace's owners, counted with their rows locked (in one order) until the transaction ends:
    two owners demoting or removing each other at once cannot both see a second owner."""
    owners = Membership.objects.for_workspace(workspace).filter(role=Role.OWNER).order_by("pk")
    return len(owners.select_for_update().values_list("pk", flat=True))


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, email: str, role: str, invited_by_membership: Membership | None
) -> tuple[Invitation, str]:
    invited_by_membership = _require_manager(invited_by_membership)
    if role == Role.OWNER and not invited_by_membership.can_manage_billing:
        raise NotAllowed("Only owners can invite owners.")
    email = normalize_email_address(email)
    if Membership.objects.for_workspace(workspace).filter(user__email=email).exists():
        raise Conflict(f"{email} is already a member.", details={"email": ["Already a member."]})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        hashed_token=hash_secret(token),
        invited_by=invited_by_membership.user,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[token])
    # Sent before the transaction commits: if the mail server refuses it, no invitation is left behind
    # (one the invitee never got, which a retry would duplicate).
    try:
        send_mail(
            subject=f"You are invited to {' '.join(workspace.name.split())} on Leadpool",
            message=(
                f"{invited_by_membership.user.email} invited you to the workspace {workspace.name} "
                f"as {role}.\n\n"
                f"Accept within 7 days: {link}\n"
            ),
            from_email=None,
            recipient_list=[email],
        )
    except (OSError, smtplib.SMTPException) as exc:
        raise MailUnavailable(f"The invitation email to {email} could not be sent; try again later.") from exc
    return invitation, token


def invitation_for_token(token: str | None) -> Invitation | None:
    """The pending invitation behind an emailed link, or None. The token decides the workspace."""
    invitation = (
        Invitation.objects.unscoped()
        .select_related("workspace")
        .filter(hashed_token=hash_secret(token or ""))
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_for_token(token)
    if invitation is None:
        raise DomainError("This invitation is no longer valid.")
    if normalize_email_address(user.email) != invitation.email:
        raise NotAllowed(f"This invitation is for {invitation.email}; sign in with that address.")
    if not _inviter_may_still_grant(invitation):
        raise DomainError(
            "This invitation is no longer valid: the person who sent it can no longer invite to "
            f"{invitation.workspace.name} as {invitation.role}. Ask a workspace owner for a new one."
        )
    membership, _ = Membership.objects.unscoped().get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


def _inviter_may_still_grant(invitation: Invitation) -> bool:
    """An invitation carries its sender's rights: it lapses once they are no longer a member who could
    send it (removed, or demoted below the role it grants)."""
    if invitation.invited_by_id is None:
        return False
    inviter = (
        Membership.objects.for_workspace(invitation.workspace)
        .filter(user_id=invitation.invited_by_id)
        .first()
    )
    if inviter is None or not inviter.can_manage_members or not inviter.user.is_active:
        return False
    return invitation.role != Role.OWNER or inviter.can_manage_billing


@transaction.atomic
def user_sign_up_by_invitation(*, token: str, password: str, full_name: str = "") -> Membership:
    """A new user who joins the workspace they were invited to instead of creating one."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise DomainError("This invitation is no longer valid.")
    user = _user_create(email=invitation.email, password=password, full_name=full_name)
    return invitation_accept(token=token, user=user)


@transaction.atomic
def invitation_revoke(
    *, workspace: Workspace, invitation_id: int, acting_membership: Membership | None
) -> Invitation:
    _require_manager(acting_membership)
    invitation = Invitation.objects.get_for_workspace_or_404(workspace, invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def membership_change_role(
    *, workspace: Workspace, membership_id: int, role: str, acting_membership: Membership | None
) -> Membership:
    acting_membership = _require_manager(acting_membership)
    membership = Membership.objects.get_for_workspace_or_404(workspace, membership_id)
    role = Role(role)
    touches_owner = role == Role.OWNER or membership.role == Role.OWNER
    if touches_owner and not acting_membership.can_manage_billing:
        raise NotAllowed("Only owners can grant or take away the owner role.")
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(workspace) == 1:
        raise DomainError("A workspace needs at least one owner.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(
    *, workspace: Workspace, membership_id: int, acting_membership: Membership | None
) -> None:
    """Removes a member and revokes the API keys they created: their access ends with their membership."""
    acting_membership = _require_manager(acting_membership)
    membership = Membership.objects.get_for_workspace_or_404(workspace, membership_id)
    if membership.role == Role.OWNER:
        if not acting_membership.can_manage_billing:
            raise NotAllowed("Only owners can remove an owner.")
        if _owner_count(workspace) == 1:
            raise DomainError("A workspace needs at least one owner.")
    now = timezone.now()
    ApiKey.objects.for_workspace(workspace).filter(created_by=membership.user, revoked_at=None).update(
        revoked_at=now
    )
    # An invitation left over for the same address must not let them back in.
    Invitation.objects.for_workspace(workspace).filter(
        email=normalize_email_address(membership.user.email), accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    membership.delete()
