"""Bulk actions on a selection of contacts (a queryset: the ticked ones, or every contact the Contacts
filters match). Each runs in chunks of ``CHUNK`` contacts, newest first, one transaction per chunk
through campaigns.services, which locks the quota row and recounts there: a selection that changed
since its preview, or a chunk that meets another writer, never takes more slots than are free.
In the request, or for more than ``CONTACTS_BULK_BACKGROUND_ABOVE`` contacts in a Celery task
(``campaigns.contacts.background``, ``bulk_action_run``) whose page shows its progress (docs/campaigns.md)."""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Workspace
from billing.selectors import release_finished_leads_of, usage_for_workspace
from campaigns import selectors, services
from campaigns.contacts.filtering import narrowing_of
from campaigns.models import BulkAction, Campaign, Enrollment
from core.errors import DomainError
from core.exports import formula_safe
from core.pages import counted
from leads.models import Lead
from leads.selectors import is_suppressed

CHUNK = 5_000
EXPORT_CHUNK = 2_000
EXPORT_FIELDS = [
    ("email", "Email"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("company_name", "Company"),
    ("job_title", "Job title"),
    ("phone", "Phone"),
    ("website", "Website"),
    ("linkedin_url", "LinkedIn URL"),
    ("city", "City"),
    ("country", "Country"),
]


Progress = Callable[[int], None]


def _nothing(done: int) -> None:
    pass


def chunks(selection: QuerySet[Lead], size: int | None = None) -> Iterator[list[int]]:
    """The ids of ``selection``, newest first, ``size`` at a time; each chunk is read after the one
    before it was acted on, from below its last id (keyset: no offset, nothing read twice)."""
    size = size or CHUNK
    last = None
    while True:
        rows = selection if last is None else selection.filter(pk__lt=last)
        ids = list(rows.order_by("-pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


@dataclass
class AddOutcome:
    added: int = 0
    already_in_campaign: int = 0
    suppressed: int = 0
    not_added_over_limit: int = 0


def add_to_campaign(
    *,
    workspace: Workspace,
    campaign: Campaign,
    selection: QuerySet[Lead],
    available: int,
    progress: Progress = _nothing,
) -> AddOutcome:
    """Adds what fits of ``selection`` to ``campaign`` (allow_partial), newest first. ``available``: the
    free slots as last read; once a chunk finds none left, only contacts already in another live campaign
    (they need no slot) are still read. Suppressed contacts are skipped (rule 20). ``progress`` is told
    the size of each chunk done."""
    counts = selectors.selection_add_counts(workspace=workspace, selection=selection, campaign=campaign)
    in_campaign = Enrollment.objects.for_workspace(workspace).filter(
        campaign=campaign, lead_id=OuterRef("pk")
    )
    candidates = selection.filter(~Exists(in_campaign)).exclude(is_suppressed(workspace=workspace))
    release_finished = release_finished_leads_of(workspace=workspace)
    live = (
        Enrollment.objects.for_workspace(workspace)
        .live(release_finished=release_finished)
        .filter(lead_id=OuterRef("pk"))
    )
    outcome = AddOutcome(already_in_campaign=counts["in_campaign"], suppressed=counts["suppressed"])
    full = available <= 0
    last = None
    while True:
        rows = candidates.filter(Exists(live)) if full else candidates
        if last is not None:
            rows = rows.filter(pk__lt=last)
        ids = list(rows.order_by("-pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        result = services.enrollments_add_many(
            workspace=workspace, campaign=campaign, lead_ids=ids, allow_partial=True
        )
        outcome.added += result.added
        outcome.suppressed += result.suppressed
        full = full or bool(result.not_added_lead_ids)
        last = ids[-1]
        progress(len(ids))
    # The rest of what needed a slot did not fit (from the counts before: no second pass over the selection).
    fitting_or_not = counts["selected"] - counts["in_campaign"] - counts["suppressed"]
    outcome.not_added_over_limit = max(0, fitting_or_not - outcome.added)
    return outcome


def remove_from_campaign(
    *, workspace: Workspace, campaign: Campaign, selection: QuerySet[Lead], progress: Progress = _nothing
) -> int:
    """Takes the contacts of ``selection`` out of ``campaign``; returns how many were in it."""
    in_campaign = Enrollment.objects.for_workspace(workspace).filter(
        campaign=campaign, lead_id=OuterRef("pk")
    )
    removed = 0
    for ids in chunks(selection.filter(Exists(in_campaign))):
        removed += services.enrollments_remove(workspace=workspace, campaign=campaign, lead_ids=ids)
        progress(len(ids))
    return removed


def remove_from_every_campaign(
    *, workspace: Workspace, selection: QuerySet[Lead], progress: Progress = _nothing
) -> tuple[int, int]:
    """Takes the contacts of ``selection`` out of every campaign: (contacts that were in one, slots freed)."""
    enrolled = Enrollment.objects.for_workspace(workspace).filter(lead_id=OuterRef("pk"))
    removed = freed = 0
    for ids in chunks(selection.filter(Exists(enrolled))):
        contacts, slots = services.enrollments_remove_everywhere(workspace=workspace, lead_ids=ids)
        removed, freed = removed + contacts, freed + slots
        progress(len(ids))
    return removed, freed


def delete(
    *, workspace: Workspace, selection: QuerySet[Lead], progress: Progress = _nothing
) -> tuple[int, int]:
    """Deletes the contacts of ``selection``: (contacts deleted, slots freed)."""
    deleted = freed = 0
    for ids in chunks(selection):
        contacts, slots = services.leads_delete(workspace=workspace, lead_ids=ids)
        deleted, freed = deleted + contacts, freed + slots
        progress(len(ids))
    return deleted, freed


def free_slots(workspace: Workspace) -> int:
    return usage_for_workspace(workspace=workspace)["active_leads"]["available"]


def perform(
    *,
    workspace: Workspace,
    action: str,
    selection: QuerySet[Lead],
    campaign: Campaign | None,
    progress: Progress = _nothing,
) -> tuple[str, bool]:
    """Does ``action`` (a ``BulkAction.Action``) on ``selection`` now and says what it did: (the words, and
    whether they are a warning: something was left out). A DomainError changes nothing more than the chunks
    before it did (each chunk is its own transaction)."""
    warning = False
    if action == BulkAction.Action.ADD:
        assert campaign is not None
        outcome = add_to_campaign(
            workspace=workspace,
            campaign=campaign,
            selection=selection,
            available=free_slots(workspace),
            progress=progress,
        )
        parts = [
            counted("Added %(count)s contact", "Added %(count)s contacts", outcome.added)
            + f" to {campaign.name}."
        ]
        if outcome.not_added_over_limit:
            parts.append(
                counted(
                    "%(count)s did not fit (no active-lead slot was left) and stays in Contacts.",
                    "%(count)s did not fit (no active-lead slot was left) and stay in Contacts.",
                    outcome.not_added_over_limit,
                )
            )
        if outcome.suppressed:
            parts.append(
                counted(
                    "%(count)s on the suppression list was skipped.",
                    "%(count)s on the suppression list were skipped.",
                    outcome.suppressed,
                )
            )
        if outcome.already_in_campaign:
            parts.append(
                counted(
                    "%(count)s was in it already.",
                    "%(count)s were in it already.",
                    outcome.already_in_campaign,
                )
            )
        warning = bool(outcome.not_added_over_limit or outcome.suppressed or not outcome.added)
        return " ".join(parts), warning
    if action == BulkAction.Action.REMOVE:
        assert campaign is not None
        removed = remove_from_campaign(
            workspace=workspace, campaign=campaign, selection=selection, progress=progress
        )
        text = (
            counted("Removed %(count)s contact", "Removed %(count)s contacts", removed)
            + f" from {campaign.name}. "
            + counted(
                "%(count)s active-lead slot is free now.",
                "%(count)s active-lead slots are free now.",
                free_slots(workspace),
            )
        )
        return text, warning
    if action == BulkAction.Action.REMOVE_ALL:
        removed, freed = remove_from_every_campaign(
            workspace=workspace, selection=selection, progress=progress
        )
        text = (
            counted("Removed %(count)s contact", "Removed %(count)s contacts", removed)
            + " from every campaign; "
            + counted("%(count)s active-lead slot freed.", "%(count)s active-lead slots freed.", freed)
        )
        return text, warning
    deleted, freed = delete(workspace=workspace, selection=selection, progress=progress)
    text = (
        counted("Deleted %(count)s contact", "Deleted %(count)s contacts", deleted)
        + "; "
        + counted("%(count)s active-lead slot freed.", "%(count)s active-lead slots freed.", freed)
    )
    return text, warning


def bulk_action_run(*, bulk_action_id: int) -> None:
    """Runs a ``BulkAction`` (the task of ``campaigns.contacts.background``): reads its selection again
    from its filters, does it chunk by chunk as the request would, counting progress, and keeps what it did
    or why it failed. One already finished is left alone (a second delivery)."""
    with transaction.atomic():
        bulk_action = (
            BulkAction.all_workspaces.select_for_update(of=("self",))
            .select_related("workspace", "campaign")
            .filter(pk=bulk_action_id)
            .exclude(status__in=BulkAction.FINISHED)
            .first()
        )
        if bulk_action is None:
            return
        bulk_action.status, bulk_action.processed = BulkAction.Status.RUNNING, 0
        bulk_action.save(update_fields=["status", "processed"])
    workspace = bulk_action.workspace
    rows = BulkAction.objects.for_workspace(workspace).filter(pk=bulk_action.pk)

    def progress(done: int) -> None:
        rows.update(processed=F("processed") + done)

    try:
        try:
            narrowing, _ = narrowing_of(workspace, bulk_action.filters)
        except Http404 as exc:
            raise DomainError(
                "A campaign or import it was filtered by was deleted before it ran; nothing was done."
            ) from exc
        campaign = bulk_action.campaign
        needs_campaign = bulk_action.action in (BulkAction.Action.ADD, BulkAction.Action.REMOVE)
        if needs_campaign and campaign is None:
            raise DomainError("Its campaign was deleted before it ran; nothing was done.")
        if bulk_action.action == BulkAction.Action.ADD and campaign is not None and campaign.is_archived:
            raise DomainError(f"{campaign.name} was archived before it ran; nothing was done.")
        text, warning = perform(
            workspace=workspace,
            action=bulk_action.action,
            selection=selectors.contacts_matching(workspace=workspace, **narrowing),
            campaign=campaign,
            progress=progress,
        )
    except DomainError as exc:
        rows.update(
            status=BulkAction.Status.FAILED, outcome=exc.message, warning=True, finished_at=timezone.now()
        )
    except Exception:
        rows.update(
            status=BulkAction.Status.FAILED,
            outcome="It stopped on an unexpected error; what it did before that stays done.",
            warning=True,
            finished_at=timezone.now(),
        )
        raise
    else:
        rows.update(status=BulkAction.Status.DONE, outcome=text, warning=warning, finished_at=timezone.now())


class _Line:
    """A file that hands back what csv.writer writes to it, one line at a time."""

    def write(self, text):
        return text


def export_lines(*, workspace: Workspace, selection: QuerySet[Lead]) -> Iterator[str]:
    """The CSV of ``selection``, newest first, a line at a time: the contact's fields, its source and its
    campaigns in words (names, not ids or codes), when it was added, then one column per custom field
    the workspace's contacts have (``selectors.custom_field_names``). Every cell formula-safe (rule 17)."""
    writer = csv.writer(_Line())
    custom = sorted(selectors.custom_field_names(workspace=workspace))
    campaign_names = dict(Campaign.objects.for_workspace(workspace).values_list("pk", "name"))
    sources = dict(Lead.Source.choices)
    header = [label for _, label in EXPORT_FIELDS] + ["Source", "Campaigns", "Added", *custom]
    yield writer.writerow([formula_safe(cell) for cell in header])
    for ids in chunks(selection, EXPORT_CHUNK):
        campaigns_of: dict[int, list[str]] = {}
        enrollments = (
            Enrollment.objects.for_workspace(workspace).filter(lead_id__in=ids).order_by("campaign_id")
        )
        for lead_id, campaign_id in enrollments.values_list("lead_id", "campaign_id"):
            campaigns_of.setdefault(lead_id, []).append(campaign_names.get(campaign_id, ""))
        for lead in Lead.objects.for_workspace(workspace).filter(pk__in=ids).order_by("-pk"):
            fields = lead.custom_fields if isinstance(lead.custom_fields, dict) else {}
            row = [
                *(getattr(lead, name) for name, _ in EXPORT_FIELDS),
                sources.get(lead.source, lead.source),
                "; ".join(campaigns_of.get(lead.pk, [])),
                lead.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                *(fields.get(name, "") for name in custom),
            ]
            yield writer.writerow([formula_safe(cell) for cell in row])
