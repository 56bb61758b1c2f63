"""Writes of the Lead Finder: taking prospects (a download) and loading the prospect database.

A download spends lead credits through ``billing.services`` and enrols through ``campaigns.services``,
the two doors; it locks the workspace's quota row before it reads anything it decides on (rule 12).
"""

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction
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
from leadfinder.models import PROSPECT_FIELDS, Download, Ownership, Prospect
from leadfinder.normalization import VENDOR_COLUMNS, clean_prospect
from leadfinder.synthetic import ProspectGenerator
from leads.models import Lead
from leads.normalization import CleanLead, InvalidLead, normalize_lead

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
    free; ones without an email are skipped and never charged. With ``campaign`` only the prospects that
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


# Loading the database (operator commands)

# A synthetic prospect's columns: its data, and when it was made.
SEED_COLUMNS = [*PROSPECT_FIELDS, "created_at"]
SEED_CHUNK = 100_000


class _CsvStream:
    """A read-only file of CSV text made from an iterator of rows, for ``COPY … FROM STDIN``."""

    def __init__(self, rows: Iterable[Sequence[object]]) -> None:
        self._rows = rows
        self._chunk = ""
        self._position = 0

    def _refill(self) -> bool:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(islice(self._rows, 5_000))
        self._chunk, self._position = buffer.getvalue(), 0
        return bool(self._chunk)

    def read(self, size: int | None = -1) -> str:
        if self._position >= len(self._chunk) and not self._refill():
            return ""
        end = len(self._chunk) if size is None or size < 0 else self._position + size
        text = self._chunk[self._position : end]
        self._position += len(text)
        return text


def _copy_chunk(rows: Iterable[Sequence[object]]) -> int:
    """PostgreSQL: COPY into a staging table, then insert what is not there yet (same email) in order."""
    # Names from this module and the model, never from input.
    columns = ", ".join(SEED_COLUMNS)
    table = Prospect._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE prospect_seed AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608
        )
        cursor.execute("ALTER TABLE prospect_seed ADD COLUMN seq bigserial")
        cursor.copy_expert(
            f"COPY prospect_seed ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", _CsvStream(rows)
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM prospect_seed ORDER BY seq "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        added = cursor.rowcount
        cursor.execute("DROP TABLE prospect_seed")
    return added


def _bulk_create_chunk(rows: Iterable[Sequence[object]]) -> int:
    prospects = [Prospect(**dict(zip(SEED_COLUMNS, row, strict=True))) for row in rows]
    before = Prospect.objects.count()
    Prospect.objects.bulk_create(prospects, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return Prospect.objects.count() - before


def prospects_seed(*, count: int, seed: int, progress: Callable[[int, int], object] | None = None) -> int:
    """Adds ``count`` synthetic prospects made from ``seed`` (same seed, same rows); a row whose email is
    already in the database is skipped. COPY on PostgreSQL, batches elsewhere; one transaction per
    100,000 rows, after each of which ``progress(done, added)`` is called. Returns how many were added."""
    now = timezone.now()
    rows = ([row[name] for name in SEED_COLUMNS[:-1]] + [now] for row in ProspectGenerator(seed).rows(count))
    insert = _copy_chunk if connection.vendor == "postgresql" else _bulk_create_chunk
    done = added = 0
    while done < count:
        size = min(SEED_CHUNK, count - done)
        with transaction.atomic():
            added += insert(islice(rows, size))
        done += size
        if progress is not None:
            progress(done, added)
    return added


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    bad_rows: list = field(default_factory=list)  # (row number, reason)


def _load_batch(
    batch: list[tuple[int, Mapping[str, str]]], result: LoadResult, seen: dict[str, int], columns: list[str]
) -> None:
    """Cleans a batch of (row number, raw row) and writes it: a known email updates its prospect, in the
    ``columns`` the file has (a column it lacks leaves the prospect's value alone). ``seen`` maps the
    emails of earlier rows of the file to their row numbers."""
    clean_rows = []
    for row_number, raw in batch:
        try:
            values = clean_prospect(raw)
        except InvalidLead as exc:
            result.bad_rows.append((row_number, exc.reason))
            continue
        email = values["email"]
        if email and email in seen:
            result.bad_rows.append((row_number, f"email: same email as row {seen[email]}."))
            continue
        if email:
            seen[email] = row_number
        clean_rows.append(values)
    emails = [values["email"] for values in clean_rows if values["email"]]
    existing = {prospect.email: prospect for prospect in Prospect.objects.filter(email__in=emails)}
    new, changed = [], []
    for values in clean_rows:
        prospect = existing.get(values["email"]) if values["email"] else None
        if prospect is None:
            new.append(Prospect(**values))
        else:
            for name in columns:
                setattr(prospect, name, values[name])
            changed.append(prospect)
    with transaction.atomic():
        Prospect.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if changed:
            Prospect.objects.bulk_update(changed, columns, batch_size=BATCH_SIZE)
    result.created += len(new)
    result.updated += len(changed)


def prospects_load(
    *, rows: Iterable[tuple[int, Mapping[str, str]]], columns: Iterable[str] = VENDOR_COLUMNS
) -> LoadResult:
    """Loads a vendor's rows ((row number, mapping of VENDOR_COLUMNS), in file order): every good row is
    kept, a new email makes a prospect and a known one updates it in the ``columns`` the file has; every
    bad row is reported with its reason, also a second row with an email seen earlier in the file.
    Returns a ``LoadResult``."""
    result = LoadResult()
    seen: dict[str, int] = {}
    columns = [name for name in VENDOR_COLUMNS if name in columns]
    rows = iter(rows)
    while batch := list(islice(rows, BATCH_SIZE)):
        _load_batch(batch, result, seen, columns)
    return result
