from django.db import models
from django.db.models.functions import Lower

from core.tenancy import TenantModel


class Lead(TenantModel):
    """A workspace's contact. The email is stored normalised (lower case, IDNA domain): one per workspace."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Added by hand"
        API = "api", "API"
        IMPORT = "import", "CSV import"
        LEADFINDER = "leadfinder", "Lead Finder"

    # The unique constraints below lead with the workspace, so the key needs no index of its own. On
    # PostgreSQL a trigger checks each statement's workspaces at once (migration 0004) where a foreign key
    # would check every row (a sixth of what an import of a million contacts cost).
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # Not a column: leads.services sets it on a contact it wrote, naming the optional values it dropped.
    warnings: dict[str, str]

    email = models.CharField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    website = models.CharField(max_length=500, blank=True)
    linkedin_url = models.CharField(max_length=500, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="lead_email_unique_per_workspace"),
            # Emails are stored lower-cased, so the unique constraint above is case-insensitive too.
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="lead_email_is_lower_case"),
            # Pages walk it newest first, and enrollments reference (workspace, id): a contact can only
            # be enrolled in its own workspace's campaigns (campaigns migration 0003).
            models.UniqueConstraint(fields=["workspace", "id"], name="lead_id_unique_per_workspace"),
        ]

    def __str__(self):
        return self.email

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Suppression(TenantModel):
    """An email address or a whole domain the workspace must never contact (rule 20). Checked at every
    door: adding to a campaign, imports, Lead Finder takes, and the sender right before each message.

    It lives here, below campaigns, the Lead Finder and sending, because all of them check it; its pages
    and API are the sending app's. ``value`` is stored normalised like a contact's email (lower case,
    IDNA domain): an address for ``email``, the part after the ``@`` for ``domain``."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email address"
        DOMAIN = "domain", "Domain"

    class Reason(models.TextChoices):
        MANUAL = "manual", "Added by hand"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"
        IMPORT = "import", "Uploaded list"

    kind = models.CharField(max_length=6, choices=Kind.choices)
    value = models.CharField(max_length=254)
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Also the index every door probes: (workspace, kind, value).
            models.UniqueConstraint(fields=["workspace", "kind", "value"], name="suppression_once"),
            models.CheckConstraint(
                condition=models.Q(value=Lower("value")), name="suppression_value_is_lower_case"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["email", "domain"]), name="suppression_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(reason__in=["manual", "unsubscribed", "bounced", "import"]),
                name="suppression_reason_valid",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "-id"], name="suppression_workspace_newest")]

    def __str__(self):
        return self.value
