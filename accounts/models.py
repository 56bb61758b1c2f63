import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.scopes import SCOPES
from core.tenancy import TenantModel


def normalize_email_address(email):
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=normalize_email_address(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email_address(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address; belongs to workspaces through memberships."""

    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email_address(self.email)
        super().save(*args, **kwargs)


class Workspace(models.Model):
    """A tenant: a team's contacts, campaigns, quotas and keys."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


# Owners hold billing; owners and admins manage members and API keys; everyone works with the data.
ROLE_RANK = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}


class Membership(TenantModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user_per_workspace")
        ]

    def __str__(self):
        return f"{self.user} in {self.workspace} ({self.role})"

    def has_role(self, role):
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def can_manage_members(self):
        return self.has_role(Role.ADMIN)

    @property
    def can_manage_billing(self):
        return self.has_role(Role.OWNER)


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(TenantModel):
    """A workspace API key. Only the SHA-256 hash of the secret is stored; the prefix stays visible.
    ``scopes``: what it may do (accounts.scopes); null is every scope, as keys made before scopes have."""

    PREFIX_LENGTH = 8

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    hashed_key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scopes = ArrayField(
        models.CharField(max_length=32, choices=[(scope, scope) for scope in SCOPES]), null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scopes__isnull=True)
                | models.Q(scopes__len__gt=0, scopes__contained_by=list(SCOPES)),
                name="apikey_scopes_known_and_not_empty",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def has_every_scope(self):
        return self.scopes is None

    @property
    def is_active(self):
        return self.revoked_at is None

    @staticmethod
    def generate():
        """A new (prefix, full key) pair: ``lp_<prefix>_<secret>``."""
        prefix = secrets.token_hex(ApiKey.PREFIX_LENGTH // 2)
        return prefix, f"lp_{prefix}_{secrets.token_urlsafe(32)}"

    @staticmethod
    def parse_prefix(raw_key):
        parts = raw_key.split("_", 2)
        if len(parts) != 3 or parts[0] != "lp" or len(parts[1]) != ApiKey.PREFIX_LENGTH:
            return None
        return parts[1]


class Invitation(TenantModel):
    """An emailed invitation to join a workspace; the link carries a token stored only as a hash."""

    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    hashed_token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation of {self.email} to {self.workspace}"

    @property
    def is_pending(self):
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
