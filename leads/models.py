from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Lower

from accounts.tenancy import TenantModel


class Lead(TenantModel):
    """A workspace's contact. The email is stored normalised (lower case, IDNA domain): one per workspace."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Added by hand"
        API = "api", "API"
        IMPORT = "import", "CSV import"
        LEADFINDER = "leadfinder", "Lead Finder"

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
    # What ?search= looks in (email, name, company), lower-cased; on PostgreSQL a trigram GIN index
    # (migration 0002) serves "contains" searches at a million contacts.
    search_text = models.GeneratedField(
        expression=Lower(
            Concat("email", Value(" "), "first_name", Value(" "), "last_name", Value(" "), "company_name")
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="lead_email_unique_per_workspace"),
            # Emails are stored lower-cased, so the unique constraint above is case-insensitive too.
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="lead_email_is_lower_case"),
        ]
        indexes = [models.Index(fields=["workspace", "-id"], name="lead_workspace_newest")]

    def __str__(self):
        return self.email

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()
