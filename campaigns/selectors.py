"""Reads of campaigns, enrollments, and contacts with the campaigns they are in."""

from collections.abc import Sequence
from typing import TypedDict

from django.db.models import Exists, F, Model, OuterRef, Prefetch, QuerySet
from django.http import Http404

from accounts.models import Workspace
from campaigns.models import Campaign, Enrollment
from core.tenancy import TenantQuerySet
from leads.models import Lead
from leads.selectors import leads_for_workspace, matching


class LeadKey(TypedDict):
    lead_id: int


def active_leads_used_by_enrollments(workspace: Workspace) -> int:
    """Rule 1 from the source rows: distinct contacts enrolled in at least one campaign not archived.

    Registered with billing.quota_sources, so ``audit_quotas`` checks the counter against it.
    """
    return Enrollment.objects.for_workspace(workspace).live().values("lead_id").distinct().count()


def enrollments_only_in(*, workspace: Workspace, campaign: Campaign) -> TenantQuerySet[Enrollment]:
    """Enrollments of ``campaign`` whose contact is in no other campaign that is not archived.

    Their number is what archiving, deleting or emptying the campaign frees, and what unarchiving it takes.
    """
    elsewhere = (
        Enrollment.objects.for_workspace(workspace)
        .filter(lead_id=OuterRef("lead_id"))
        .exclude(campaign=campaign)
        .live()
    )
    return Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).filter(~Exists(elsewhere))


def slots_freed_by_removing(*, workspace: Workspace, campaign: Campaign) -> int:
    """How many active-lead slots archiving or deleting ``campaign`` would free now."""
    if campaign.is_archived:
        return 0
    return enrollments_only_in(workspace=workspace, campaign=campaign).count()


def campaigns_for_workspace(*, workspace: Workspace) -> TenantQuerySet[Campaign]:
    return Campaign.objects.for_workspace(workspace).order_by("-id")


def campaigns_of_lead(*, workspace: Workspace, lead: Lead) -> TenantQuerySet[Campaign]:
    return Campaign.objects.for_workspace(workspace).filter(enrollments__lead=lead).order_by("-id")


def lead_keys(
    *, workspace: Workspace, search: str = "", campaign: Campaign | None = None
) -> QuerySet[Model, LeadKey]:
    """What a page of contacts is cut from: rows ``{"lead_id"}``, to be ordered by ``-lead_id``.

    In a campaign the keys are its enrollments, so a page walks the (campaign, lead) index back from
    the cursor and never touches other contacts. Joined to the contacts instead, PostgreSQL may walk
    every newer contact of the workspace looking for the campaign's: its statistics assume they are
    spread evenly, and a campaign of old contacts is not.
    """
    if campaign is None:
        return leads_for_workspace(workspace=workspace, search=search).values(lead_id=F("id"))
    enrollments = Enrollment.objects.for_workspace(workspace).filter(campaign=campaign)
    return matching(enrollments, search, path="lead__").values("lead_id")


def leads_with_campaign_ids(*, workspace: Workspace, lead_ids: Sequence[int]) -> list[Lead]:
    """The contacts of ``lead_ids`` in that order, each with ``enrollment_list`` (every campaign it is
    in, archived ones too); an id deleted meanwhile is left out."""
    enrollments = (
        Enrollment.objects.for_workspace(workspace).only("lead_id", "campaign_id").order_by("campaign_id")
    )
    leads = (
        Lead.objects.for_workspace(workspace)
        .filter(pk__in=lead_ids)
        .prefetch_related(Prefetch("enrollments", queryset=enrollments, to_attr="enrollment_list"))
    )
    by_id = {lead.pk: lead for lead in leads}
    return [by_id[lead_id] for lead_id in lead_ids if lead_id in by_id]


def lead_with_campaign_ids(*, workspace: Workspace, lead_id: int) -> Lead:
    """One contact of the workspace with ``enrollment_list``; another workspace's id is a 404."""
    found = leads_with_campaign_ids(workspace=workspace, lead_ids=[lead_id])
    if not found:
        raise Http404("No lead with that id.")
    return found[0]


def leads_not_in_campaign(*, workspace: Workspace, campaign: Campaign, search: str) -> TenantQuerySet[Lead]:
    """Contacts matching ``search`` that ``campaign`` does not have yet, newest first."""
    enrolled = Enrollment.objects.for_workspace(workspace).filter(campaign=campaign, lead_id=OuterRef("pk"))
    return leads_for_workspace(workspace=workspace, search=search).filter(~Exists(enrolled))
