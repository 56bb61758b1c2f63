"""Writes of the Lead Finder: taking prospects (a download). Loading the prospect database is
``leadfinder.loading``'s (operator commands).

A download spends lead credits through ``billing.services`` and enrols through ``campaigns.services``,
the two doors; it locks the workspace's quota row before it reads anything it decides on (rule 12).
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.errors import InsufficientLeadCredits
from campaigns import services as campaign_services
from campaigns.models import Campaign
from core.errors import Conflict, DomainError
from leadfinder import selectors
from leadfinder.files import write_download_csv
from leadfinder.models import Download, Ownership, Prospect
from leads.models import Lead
from leads.normalization import CleanLead, normalize_lead

MAX_PROSPECTS_PER_DOWNLOAD = 10_000
BATCH_SIZE = 2_000


def _contact_data(prospect: Prospect) -> CleanLead:
    """The contact a prospect becomes, cleaned by the normalisation every contact goes through."""
    labels = {
        "seniority": prospect.get_seniority_display(),
        "department": prospect.get_department_display(),
        "industry": prospect.get_industry_display(),
        "company_size": prospect.get_company_size_display(),
    }
    return normalize_lead(
        {
            "email": prospect.email,
            "first_name": prospect.first_name,
            "last_name": prospect.last_name,
            "company_name": prospect.company_name,
            "job_title": prospect.job_title,
            "phone": prospect.phone,
            "website": prospect.company_domain,
            "linkedin_url": prospect.linkedin_url,
            "city": prospect.city,
            "country": prospect.get_country_display(),
            "custom_fields": {name: label for name, label in labels.items() if label},
        }
    )


def _make_contacts(
    *, workspace: Workspace, plan: selectors.DownloadPlan, download: Download
) -> tuple[dict[int, int], set[int]]:
    """Makes every taken prospect a contact and owned; returns prospect id → contact id, and the ids of
    the contacts made now (in no campaign yet).

    A prospect the workspace has a contact for (its ownership's, or, now that it is paid for, one with
    the same email) is linked to it, not duplicated; the rest become new contacts (``source=leadfinder``).
    """
    contact_of = {prospect.pk: plan.lead_of[prospect.pk] for prospect in plan.taken}
    unlinked = {prospect.pk: prospect.email for prospect in plan.taken if contact_of[prospect.pk] is None}
    existing = dict(
        Lead.objects.for_workspace(workspace).filter(email__in=unlinked.values()).values_list("email", "pk")
    )
    contact_of.update({pk: existing[email] for pk, email in unlinked.items() if email in existing})
    new = {prospect.pk: _contact_data(prospect) for prospect in plan.taken if contact_of[prospect.pk] is None}
    created = {}
    if new:
        # ignore_conflicts: a contact created meanwhile with one of these emails (POST /leads takes no
        # quota lock) is found by the read below and linked instead; it is in no campaign either (that
        # takes the lock this transaction holds).
        Lead.objects.bulk_create(
            [
                Lead(workspace=workspace, source=Lead.Source.LEADFINDER, **clean.as_dict())
                for clean in new.values()
            ],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        emails = [clean.email for clean in new.values()]
        created = dict(
            Lead.objects.for_workspace(workspace).filter(email__in=emails).values_list("email", "pk")
        )
        contact_of.update({pk: created[clean.email] for pk, clean in new.items()})

    Ownership.objects.bulk_create(
        [
            Ownership(
                workspace=workspace, prospect=prospect, lead_id=contact_of[prospect.pk], download=download
            )
            for prospect in plan.taken
            if prospect.pk not in plan.owned
        ],
        batch_size=BATCH_SIZE,
    )
    relinked = {
        pk: contact_of[pk]
        for pk, lead_id in plan.owned.items()
        if pk in contact_of and contact_of[pk] != lead_id
    }
    if relinked:
        ownerships = list(Ownership.objects.for_workspace(workspace).filter(prospect_id__in=relinked))
        for ownership in ownerships:
            ownership.lead_id = relinked[ownership.prospect_id]
        Ownership.objects.for_workspace(workspace).bulk_update(ownerships, ["lead"], batch_size=BATCH_SIZE)
    return contact_of, set(created.values())


@transaction.atomic
def download_create(
    *,
    workspace: Workspace,
    prospect_ids: Iterable[int] | None = None,
    filters: selectors.ProspectFilters | None = None,
    limit: int | None = None,
    campaign: Campaign | None = None,
    allow_partial: bool = False,
    max_charge: int | None = None,
    actor: User | None = None,
) -> Download:
    """Takes prospects, by ids (in that order) or as the first ``limit`` of a search, for the workspace.

    Rules 7-9: each prospect with an email that the workspace does not own costs 1 credit; owned ones are
    free; ones without an email, or suppressed (rule 20; see ``selectors.download_plan``), are skipped
    and never charged. With ``campaign`` only the prospects that
    fit its active-lead slots are taken and enrolled, the rest reported as ``not_added_over_limit`` and
    not charged. Short of credits: ``InsufficientLeadCredits`` (402) and nothing changes, or with
    ``allow_partial`` as many as the balance pays for. Every prospect taken becomes a contact and owned;
    the CSV of them is written and kept. ``max_charge``: charge no more than this (what a preview
    showed), taking fewer if need be. Returns the ``Download``.
    """
    # One moment for the lock's catch-up, the balance the plan counts and the debit (see quota_lock).
    now = timezone.now()
    quota = billing_services.quota_lock(workspace=workspace, now=now)
    if campaign is not None:
        campaign = Campaign.objects.get_for_workspace_or_404(workspace, campaign.pk)
        if campaign.is_archived:
            raise Conflict(
                f"{campaign.name} is archived: give it another status before adding prospects.",
                details={"campaign": [f"Campaign {campaign.pk} is archived."]},
            )
    query: dict[str, object]
    if prospect_ids is not None:
        prospects = selectors.prospects_by_ids(prospect_ids)
        query = {"prospect_ids": [prospect.pk for prospect in prospects]}
    elif filters is not None and limit is not None:
        prospects = selectors.prospects_first_of_search(workspace=workspace, filters=filters, limit=limit)
        query = {"filters": filters.as_data(), "limit": limit}
    else:
        raise DomainError("Send prospect_ids, or filters with a limit.")

    plan = selectors.download_plan(
        workspace=workspace,
        prospects=prospects,
        campaign=campaign,
        credits_balance=billing_selectors.lead_credits_balance(workspace=workspace, now=now),
        slots_available=None if campaign is None else quota.active_leads_available,
        allow_partial=allow_partial,
        paying=True,
        release_finished=quota.release_finished_leads,
    )
    if plan.short_of_credits and not allow_partial:
        raise InsufficientLeadCredits(needed=plan.credits_needed, balance=plan.credits_balance)
    if max_charge is not None and plan.charged > max_charge:
        # What the preview showed may be out of date (credits or slots used meanwhile, prospects owned
        # since): the take charges no more than it showed.
        plan = selectors.download_plan(
            workspace=workspace,
            prospects=prospects,
            campaign=campaign,
            credits_balance=max_charge,
            slots_available=None if campaign is None else quota.active_leads_available,
            allow_partial=True,
            paying=True,
            release_finished=quota.release_finished_leads,
        )

    download = Download.objects.create(
        workspace=workspace,
        created_by=actor,
        campaign=campaign,
        query=query,
        allow_partial=allow_partial,
        requested=plan.requested,
        charged=plan.charged,
        already_owned=plan.already_owned,
        skipped_no_email=plan.skipped_no_email,
        skipped_suppressed=plan.skipped_suppressed,
        not_added_over_limit=plan.not_added_over_limit,
    )
    if plan.charged:
        billing_services.lead_credits_debit(
            quota=quota,
            amount=plan.charged,
            description=f"Lead Finder download {download.pk}: {plan.charged:,} new prospects",
            reference=f"leadfinder-download:{download.pk}",
            actor=actor,
        )
    contact_of, created = _make_contacts(workspace=workspace, plan=plan, download=download)
    if campaign is not None and plan.taken:
        # Every taken prospect fits: the plan counted the slots under this same lock.
        result = campaign_services.enrollments_add_many(
            workspace=workspace,
            campaign=campaign,
            lead_ids=list(dict.fromkeys(contact_of[prospect.pk] for prospect in plan.taken)),
            created_lead_ids=created,
            quota=quota,
        )
        download.added_to_campaign = result.added
        download.already_in_campaign = result.already_in_campaign
    write_download_csv(download, plan.taken, contact_of)
    download.save(update_fields=["added_to_campaign", "already_in_campaign", "file"])
    return download
