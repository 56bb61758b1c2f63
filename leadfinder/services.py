"""Writes of the Lead Finder: taking prospects (a download). Loading the prospect database is
``leadfinder.loading``'s (operator commands).

A download spends lead credits through ``billing.services`` and enrols through ``campaigns.services``,
the two doors; it locks the workspace's quota row before it reads anything it decides on (rule 12).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.errors import InsufficientLeadCredits, MemberCreditCapReached
from billing.models import LedgerEntry
from campaigns import services as campaign_services
from campaigns.models import Campaign
from core.errors import Conflict, DomainError
from core.events import event_emit
from leadfinder import selectors
from leadfinder.files import write_download_csv
from leadfinder.models import Download, EmailStatus, Ownership, Prospect
from leads.models import Lead
from leads.normalization import CleanLead, normalize_lead

MAX_PROSPECTS_PER_DOWNLOAD = 10_000
BATCH_SIZE = 2_000
# Rule 24: a prospect whose email hard-bounces within this long of being charged gets its credit back.
BOUNCE_REFUND_WINDOW = timedelta(days=30)


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
    ``allow_partial`` as many as the balance pays for. ``actor`` spends: past the credit cap an owner set
    for them, ``MemberCreditCapReached`` (402), or with ``allow_partial`` as many as the cap leaves.
    Every prospect taken becomes a contact and owned; the CSV of them is written and kept.
    ``max_charge``: charge no more than this (what a preview showed), taking fewer if need be. Returns
    the ``Download``.
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

    balance = billing_selectors.lead_credits_balance(workspace=workspace, now=now)
    # A member an owner capped may spend what is left of their cap this period (billing checks the debit
    # again): the take is min(requested, affordable, available, cap left).
    room = billing_services.member_credit_room(workspace=workspace, user=actor)
    capped = room is not None and room.left < balance
    plan = selectors.download_plan(
        workspace=workspace,
        prospects=prospects,
        campaign=campaign,
        credits_balance=room.left if room is not None and capped else balance,
        slots_available=None if campaign is None else quota.active_leads_available,
        allow_partial=allow_partial,
        paying=True,
        release_finished=quota.release_finished_leads,
    )
    if plan.short_of_credits and not allow_partial:
        if room is not None and capped:
            raise MemberCreditCapReached(cap=room.cap, spent=room.spent)
        raise InsufficientLeadCredits(needed=plan.credits_needed, balance=balance)
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
            reference=download_debit_reference(download.pk),
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
    event_emit(
        workspace=workspace,
        type="leadfinder.download.created",
        data={
            "download_id": download.pk,
            "campaign": download.campaign_id,
            "requested": download.requested,
            "charged": download.charged,
            "already_owned": download.already_owned,
            "skipped_no_email": download.skipped_no_email,
            "skipped_suppressed": download.skipped_suppressed,
            "added_to_campaign": download.added_to_campaign,
            "not_added_over_limit": download.not_added_over_limit,
        },
    )
    return download


def download_debit_reference(download_id: int) -> str:
    """The reference of the debit that paid for a download's new prospects."""
    return f"leadfinder-download:{download_id}"


def bounce_refund_reference(ownership: Ownership) -> str:
    """The reference of the one refund an ownership can get (rule 24): the download that charged for the
    prospect and the prospect. The ledger holds a reference once per kind and workspace."""
    return f"leadfinder-download:{ownership.download_id}:prospect:{ownership.prospect_id}:bounced"


@transaction.atomic
def lead_bounced(
    *, workspace: Workspace, lead_id: int, email: str, message_id: int, bounced_at: datetime
) -> LedgerEntry | None:
    """Rule 24: message ``message_id`` to contact ``lead_id`` at ``email`` hard-bounced at ``bounced_at``.

    Nothing happens unless the contact came from the Lead Finder with that email (an ownership of the
    prospect whose email it is). Then the prospect's email is marked ``bounced`` in the prospect database,
    which no workspace is charged for again (``selectors.download_plan`` skips it), and, when the
    workspace was charged for the prospect within ``BOUNCE_REFUND_WINDOW`` before the bounce, one credit
    of that charge goes back to the grant it came from: a ``refund`` entry, returned. Once per ownership,
    however often and from however many places the bounce is recorded, concurrently too: the quota lock
    orders the refunds and the ledger's unique reference holds it in the database. A free re-download
    does not renew the window (it charged nothing); credits of a grant that has expired since are not
    restored (``lead_credits_refund``), and then None is returned as when nothing is due.
    """
    ownership = (
        Ownership.objects.for_workspace(workspace)
        .filter(lead_id=lead_id, prospect__email=email.strip().lower())
        .first()
    )
    if ownership is None:
        return None
    # The quota row first, as every change that may move credits takes it (rule 12), then the prospect.
    quota = billing_services.quota_lock(workspace=workspace)
    Prospect.objects.filter(pk=ownership.prospect_id).exclude(email_status=EmailStatus.BOUNCED).update(
        email_status=EmailStatus.BOUNCED
    )
    if ownership.download_id is None:
        return None
    reference = bounce_refund_reference(ownership)
    entries = LedgerEntry.objects.for_workspace(workspace)
    debit = entries.filter(
        kind=LedgerEntry.Kind.DEBIT, reference=download_debit_reference(ownership.download_id)
    ).first()
    if (
        debit is None
        or not debit.created_at <= bounced_at <= debit.created_at + BOUNCE_REFUND_WINDOW
        or entries.filter(kind=LedgerEntry.Kind.REFUND, reference=reference).exists()
    ):
        return None
    return billing_services.lead_credits_refund(
        workspace=workspace,
        quota=quota,
        debit=debit,
        amount=1,
        description=(
            f"Refund: the email of prospect {ownership.prospect_id} (Lead Finder download "
            f"{ownership.download_id}) bounced, message {message_id}"
        ),
        reference=reference,
    )
