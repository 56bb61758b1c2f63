"""Campaigns and their enrollments. Fields and constraints only: ``campaigns.services`` is the one door
that creates or deletes enrollments (DESIGN.md, "two doors")."""

from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantModel


class CampaignStatus(models.TextChoices):
    """Every status but archived counts towards active leads (rule 2)."""

    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


class Campaign(TenantModel):
    Status = CampaignStatus

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Enrollments of this campaign, kept by campaigns.services in the transaction that changes them,
    # so lists never count a million rows.
    lead_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "-id"], name="campaign_workspace_newest")]

    def __str__(self):
        return self.name

    @property
    def is_archived(self):
        return self.status == self.Status.ARCHIVED


class Enrollment(TenantModel):
    """A contact in a campaign. A contact in any campaign that is not archived uses one active-lead slot."""

    # The unique constraint's index (campaign, lead) serves lookups by campaign; no second index.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="enrollments", db_index=False
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="enrollments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "lead"], name="enrollment_lead_once_per_campaign"),
        ]

    def __str__(self):
        return f"{self.lead_id} in {self.campaign_id}"
