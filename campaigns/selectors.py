"""Reads of campaigns, enrollments, and contacts with the campaigns they are in."""

from collections.abc import Sequence
from typing import Any, TypedDict

from django.contrib.postgres.aggregates import BoolOr
from django.db import connection
from django.db.models import Count, Exists, F, Model, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Workspace
from billing.selectors import release_finished_leads_of
from campaigns.models import (
    LIVE_STATUSES,
    Campaign,
    Enrollment,
    ImportJob,
    ImportSkippedRow,
    Step,
)
from core.tenancy import TenantQuerySet
from leads.models import Lead
from leads.selectors import is_suppressed, leads_for_workspace, matching


class LeadKey(TypedDict):
    lead_id: int


# An enrollment's place in its sequence, as lists of a campaign's contacts show it.
ENROLLMENT_STATE = ("status", "step", "mailbox_id", "next_send_at", "last_sent_at", "finished_at")
# Custom field names are read from this many of the newest contacts (and every import's column mapping):
# a sample bounded whatever the workspace's size, since no index covers the keys of custom_fields.
CUSTOM_FIELD_SAMPLE = 20_000


def active_leads_used_by_enrollments(workspace: Workspace, *, release_finished: bool | None = None) -> int:
    """Rules 1 and 22 from the source rows: distinct contacts with a live enrollment (in a campaign not
    archived and, when ``release_finished``, not finished; left out, the workspace's setting is read).

    Registered with billing.quota_sources: ``audit_quotas`` checks the counter against it, and switching
    ``release_finished_leads`` recounts with it under the quota lock (both pass the locked row's value).
    """
    release_finished = release_finished_leads(workspace=workspace, release_finished=release_finished)
    live = Enrollment.objects.for_workspace(workspace).live(release_finished=release_finished)
    return live.values("lead_id").distinct().count()


def finished_leads_kept(workspace: Workspace) -> int:
    """Contacts in campaigns that are not archived whose every enrollment there is finished: those that
    ``release_finished_leads`` keeps without a slot. One pass over the workspace's enrollments, grouped by
    contact (about 0.4 s at a million; an anti-join of the finished against the live ones is at the mercy
    of the planner's estimates, and took minutes on a fresh table).

    Registered with billing.quota_sources for the Uploaded Contacts page and ``audit_quotas``.
    """
    enrollments = Enrollment.objects.for_workspace(workspace).exclude(
        campaign__status=Campaign.Status.ARCHIVED
    )
    per_contact = enrollments.values("lead_id").annotate(live=BoolOr(Q(status__in=LIVE_STATUSES)))
    return per_contact.filter(live=False).count()


def release_finished_leads(*, workspace: Workspace, release_finished: bool | None) -> bool:
    """``release_finished`` as a writer gave it (from the quota row it locked), else the setting as read."""
    if release_finished is None:
        return release_finished_leads_of(workspace=workspace)
    return release_finished


def enrollments_only_in(
    *, workspace: Workspace, campaign: Campaign, release_finished: bool
) -> TenantQuerySet[Enrollment]:
    """Enrollments of ``campaign`` that alone hold their contact's slot: live by their status (when
    ``release_finished``, not finished) and whose contact has no other live enrollment.

    Their number is what archiving, deleting or emptying the campaign frees, and what unarchiving it takes.
    """
    enrollments = Enrollment.objects.for_workspace(workspace)
    elsewhere = (
        enrollments.filter(lead_id=OuterRef("lead_id"))
        .exclude(campaign=campaign)
        .live(release_finished=release_finished)
    )
    mine = enrollments.filter(campaign=campaign)
    if release_finished:
        mine = mine.filter(status__in=LIVE_STATUSES)
    return mine.filter(~Exists(elsewhere))


def slots_freed_by_removing(
    *, workspace: Workspace, campaign: Campaign, release_finished: bool | None = None
) -> int:
    """How many active-lead slots archiving or deleting ``campaign`` would free now. A writer passes the
    setting of the quota row it locked; a reader leaves it out and the setting is read."""
    if campaign.is_archived:
        return 0
    release_finished = release_finished_leads(workspace=workspace, release_finished=release_finished)
    return enrollments_only_in(
        workspace=workspace, campaign=campaign, release_finished=release_finished
    ).count()


def campaigns_for_workspace(*, workspace: Workspace) -> TenantQuerySet[Campaign]:
    return Campaign.objects.for_workspace(workspace).order_by("-id")


def campaigns_of_lead(*, workspace: Workspace, lead: Lead) -> TenantQuerySet[Campaign]:
    return Campaign.objects.for_workspace(workspace).filter(enrollments__lead=lead).order_by("-id")


def _narrowed[Rows: QuerySet[Any]](
    rows: Rows,
    *,
    workspace: Workspace,
    path: str,
    import_job: ImportJob | None,
    in_no_campaign: bool,
    source: str,
    suppressed: bool | None,
) -> Rows:
    """``rows`` (contacts, or enrollments with ``path="lead__"``) narrowed by the Contacts filters."""
    lead_id = "lead_id" if path else "id"
    if import_job is not None:
        kept = ImportSkippedRow.objects.for_workspace(workspace).filter(
            job=import_job, bucket=ImportSkippedRow.Bucket.OVER_LIMIT, lead__isnull=False
        )
        rows = rows.filter(**{f"{lead_id}__in": kept.values("lead_id")})
    if in_no_campaign:
        release_finished = release_finished_leads_of(workspace=workspace)
        live = (
            Enrollment.objects.for_workspace(workspace)
            .live(release_finished=release_finished)
            .filter(lead_id=OuterRef(lead_id))
        )
        rows = rows.filter(~Exists(live))
    if source:
        rows = rows.filter(**{f"{path}source": source})
    if suppressed is not None:
        listed = is_suppressed(workspace=workspace, email_path=f"{path}email")
        rows = rows.filter(listed if suppressed else ~listed)
    return rows


def contacts_matching(
    *,
    workspace: Workspace,
    search: str = "",
    campaign: Campaign | None = None,
    import_job: ImportJob | None = None,
    in_no_campaign: bool = False,
    source: str = "",
    suppressed: bool | None = None,
) -> TenantQuerySet[Lead]:
    """The workspace's contacts that the Contacts filters keep, newest first: what the list counts and
    what "select all that match" and its bulk actions work on (``lead_keys`` for the meaning of each).
    ``campaign``: enrolled in it, whatever the enrollment's status."""
    leads = leads_for_workspace(workspace=workspace, search=search)
    if campaign is not None:
        enrolled = Enrollment.objects.for_workspace(workspace).filter(
            campaign=campaign, lead_id=OuterRef("id")
        )
        leads = leads.filter(Exists(enrolled))
    return _narrowed(
        leads,
        workspace=workspace,
        path="",
        import_job=import_job,
        in_no_campaign=in_no_campaign,
        source=source,
        suppressed=suppressed,
    )


def lead_uses_slot(*, workspace: Workspace, lead: Lead) -> bool:
    """Whether the contact holds an active-lead slot: a live enrollment (rules 1, 22)."""
    release_finished = release_finished_leads_of(workspace=workspace)
    live = Enrollment.objects.for_workspace(workspace).live(release_finished=release_finished)
    return live.filter(lead=lead).exists()


def lead_keys(
    *,
    workspace: Workspace,
    search: str = "",
    campaign: Campaign | None = None,
    enrollment_status: str = "",
    import_job: ImportJob | None = None,
    in_no_campaign: bool = False,
    source: str = "",
    suppressed: bool | None = None,
) -> QuerySet[Model, LeadKey]:
    """What a page of contacts is cut from: rows ``{"lead_id"}``, to be ordered by ``-lead_id``.

    In a campaign the keys are its enrollments, so a page walks the (campaign, lead) index back from
    the cursor and never touches other contacts. Joined to the contacts instead, PostgreSQL may walk
    every newer contact of the workspace looking for the campaign's: its statistics assume they are
    spread evenly, and a campaign of old contacts is not.

    ``import_job`` keeps the contacts that import kept without enrolling (its over-limit rows),
    ``in_no_campaign`` those that hold no active-lead slot (in no campaign that is not archived, or
    only finished there: rule 22), ``source`` those
    that came in that way (``Lead.Source``), ``suppressed`` those on (True) or off (False) the
    suppression list.
    """
    if campaign is None:
        leads = contacts_matching(
            workspace=workspace,
            search=search,
            import_job=import_job,
            in_no_campaign=in_no_campaign,
            source=source,
            suppressed=suppressed,
        )
        return leads.values(lead_id=F("id"))
    enrollments = Enrollment.objects.for_workspace(workspace).filter(campaign=campaign)
    if enrollment_status:
        enrollments = enrollments.filter(status=enrollment_status)
    enrollments = _narrowed(
        enrollments,
        workspace=workspace,
        path="lead__",
        import_job=import_job,
        in_no_campaign=in_no_campaign,
        source=source,
        suppressed=suppressed,
    )
    return matching(enrollments, search, path="lead__").values("lead_id")


class AddCounts(TypedDict):
    selected: int
    suppressed: int
    in_campaign: int
    # Not in the campaign but in another live one: added without a slot.
    active_elsewhere: int
    needing_slot: int


def selection_add_counts(*, workspace: Workspace, selection: QuerySet[Lead], campaign: Campaign) -> AddCounts:
    """How the contacts of ``selection`` would land if added to ``campaign`` now, in the order
    ``enrollments_add_many`` sorts them: suppressed first, then already in the campaign, then active in
    another campaign (no slot needed), the rest needing a slot. One pass over the selection."""
    listed = is_suppressed(workspace=workspace)
    in_campaign = Q(
        Exists(Enrollment.objects.for_workspace(workspace).filter(campaign=campaign, lead_id=OuterRef("id")))
    )
    release_finished = release_finished_leads_of(workspace=workspace)
    live = Q(
        Exists(
            Enrollment.objects.for_workspace(workspace)
            .live(release_finished=release_finished)
            .filter(lead_id=OuterRef("id"))
        )
    )
    counts = selection.order_by().aggregate(
        selected=Count("id"),
        suppressed=Count("id", filter=listed),
        in_campaign=Count("id", filter=~listed & in_campaign),
        active_elsewhere=Count("id", filter=~listed & ~in_campaign & live),
    )
    needing = counts["selected"] - counts["suppressed"] - counts["in_campaign"] - counts["active_elsewhere"]
    return AddCounts(
        selected=counts["selected"],
        suppressed=counts["suppressed"],
        in_campaign=counts["in_campaign"],
        active_elsewhere=counts["active_elsewhere"],
        needing_slot=needing,
    )


def selection_in_campaigns(
    *, workspace: Workspace, selection: QuerySet[Lead], campaign: Campaign | None = None
) -> tuple[int, int]:
    """Of ``selection``: how many are in ``campaign`` (None: in any campaign), and how many active-lead
    slots taking them out of it (of every campaign) would free now."""
    enrollments = Enrollment.objects.for_workspace(workspace)
    if campaign is None:
        inside = selection.filter(Exists(enrollments.filter(lead_id=OuterRef("id")))).count()
        return inside, slots_freed_by_deleting(workspace=workspace, selection=selection)
    inside = selection.filter(Exists(enrollments.filter(campaign=campaign, lead_id=OuterRef("id")))).count()
    if campaign.is_archived:
        return inside, 0
    only_here = enrollments_only_in(
        workspace=workspace,
        campaign=campaign,
        release_finished=release_finished_leads_of(workspace=workspace),
    )
    return inside, only_here.filter(lead_id__in=selection.values("id")).count()


def slots_freed_by_deleting(*, workspace: Workspace, selection: QuerySet[Lead]) -> int:
    """The active-lead slots the contacts of ``selection`` hold now: those with a live enrollment."""
    release_finished = release_finished_leads_of(workspace=workspace)
    live = (
        Enrollment.objects.for_workspace(workspace)
        .live(release_finished=release_finished)
        .filter(lead_id=OuterRef("id"))
    )
    return selection.filter(Exists(live)).count()


def enrollment_exists(*, workspace: Workspace, campaign: Campaign, lead_id: int) -> bool:
    return Enrollment.objects.for_workspace(workspace).filter(campaign=campaign, lead_id=lead_id).exists()


def leads_with_campaign_ids(*, workspace: Workspace, lead_ids: Sequence[int]) -> list[Lead]:
    """The contacts of ``lead_ids`` in that order, each with ``enrollment_list`` (every campaign it is
    in, archived ones too, with its place in that campaign's sequence); an id deleted meanwhile is left
    out."""
    enrollments = (
        Enrollment.objects.for_workspace(workspace)
        .only("lead_id", "campaign_id", *ENROLLMENT_STATE)
        .order_by("campaign_id")
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


def steps_of(*, workspace: Workspace, campaign: Campaign) -> TenantQuerySet[Step]:
    """The campaign's sequence, first step first."""
    return Step.objects.for_workspace(workspace).filter(campaign=campaign).order_by("position")


def newest_leads_of(*, workspace: Workspace, campaign: Campaign, limit: int) -> TenantQuerySet[Lead]:
    """The campaign's ``limit`` newest contacts, walked back on its enrollments' key (see lead_keys)."""
    lead_ids = list(lead_keys(workspace=workspace, campaign=campaign).order_by("-lead_id")[:limit])
    return (
        Lead.objects.for_workspace(workspace)
        .filter(pk__in=[key["lead_id"] for key in lead_ids])
        .order_by("-id")
    )


def step_of(*, workspace: Workspace, campaign: Campaign, step_id: int) -> Step:
    """One step of the campaign; another campaign's or workspace's step id is a 404."""
    step = steps_of(workspace=workspace, campaign=campaign).filter(pk=step_id).first()
    if step is None:
        raise Http404("No step with that id in this campaign.")
    return step


def custom_field_names(*, workspace: Workspace) -> set[str]:
    """The custom field names the workspace's contacts have, as far as a bounded read can tell: the keys of
    its newest ``CUSTOM_FIELD_SAMPLE`` contacts and every custom field an import of it mapped a column to.
    Milliseconds on a million contacts (docs/campaigns.md, "Sequences")."""
    table = connection.ops.quote_name(Lead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT jsonb_object_keys(custom_fields) FROM (
                SELECT custom_fields FROM {table} WHERE workspace_id = %s ORDER BY id DESC LIMIT %s
            ) AS newest WHERE jsonb_typeof(custom_fields) = 'object'
            """,  # noqa: S608 - the table name from the model
            [workspace.pk, CUSTOM_FIELD_SAMPLE],
        )
        names = {row[0] for row in cursor.fetchall()}
    for mapping in ImportJob.objects.for_workspace(workspace).values_list("mapping", flat=True):
        names.update(
            target.removeprefix("custom_fields.")
            for target in (mapping or {}).values()
            if isinstance(target, str) and target.startswith("custom_fields.")
        )
    return names
