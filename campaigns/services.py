"""The one door that creates or deletes enrollments (DESIGN.md rules 1-4 and 12).

Every change runs in one transaction that first locks the workspace's quota row, once
(``billing.services.quota_lock``: quota row first, always), then works out set-based which contacts
become active or stop being active, reserves or releases exactly that many active-lead slots of that
locked row through ``billing.services``, and only then writes the enrollments and ``Campaign.lead_count``.

A contact is active while it has a live enrollment: in a campaign that is not archived and, when the
workspace releases finished leads (``Quota.release_finished_leads``, rule 22), not finished; one contact
in three campaigns uses one slot (rule 1). Every decision reads that setting from the quota row it
locked, so a switch (which recounts under the same lock) is never half seen.
"""

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cache
from typing import Any, cast
from zoneinfo import available_timezones

from django.db import connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from accounts.models import Workspace
from billing import services as billing_services
from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from campaigns import extensions
from campaigns.importing.files import delete_stored_files
from campaigns.models import FINISHED_STATUSES, LIVE_STATUSES, Campaign, Enrollment, ImportJob, Step
from campaigns.selectors import enrollments_only_in, slots_freed_by_removing, step_of, steps_of
from campaigns.sequences import unknown_variable_errors
from core.errors import Conflict, DomainError
from core.events import event_emit
from leads.models import Lead
from leads.normalization import InvalidLead, clean_text, normalize_lead
from leads.selectors import suppressed_lead_ids

ARCHIVED = Campaign.Status.ARCHIVED
# What one API call or dashboard form may send. The services take any number: a Lead Finder download
# adds up to 10,000 to a campaign in one transaction.
MAX_LEADS_PER_REQUEST = 1_000
# Typed int | None for any CharField; Campaign.name declares its max_length.
CAMPAIGN_NAME_MAX_LENGTH = cast(int, Campaign._meta.get_field("name").max_length)
CAMPAIGN_DELETED = "Cancelled: its campaign was deleted."
NO_SUCH_LEAD = "No lead with this id."
STEP_SUBJECT_MAX_LENGTH = cast(int, Step._meta.get_field("subject").max_length)
STEP_DELAY_MAX_DAYS = 365
NO_STEP = "Add a step to the sequence before starting the campaign."
FIRST_SUBJECT = "The first step needs a subject: a later step without one replies under it."
LISTED_TWICE = "Listed more than once in this request."


@dataclass
class EnrollmentResult:
    """Where every item of an addition went; each item is in exactly one list."""

    added_lead_ids: list = field(default_factory=list)
    already_in_campaign_lead_ids: list = field(default_factory=list)
    # {"field": "lead_ids" or "leads", "index", "lead_id" or "email", "reason"}
    invalid_items: list = field(default_factory=list)
    # Did not fit under the active-leads limit (allow_partial); new contacts among them are kept.
    not_added_lead_ids: list = field(default_factory=list)
    # On the workspace's suppression list (rule 20): not enrolled, and they needed no slot.
    suppressed_lead_ids: list = field(default_factory=list)
    # New contacts of ``leads`` created without malformed optional values: {"index", "email", "warnings"}.
    warnings: list = field(default_factory=list)

    @property
    def added(self) -> int:
        return len(self.added_lead_ids)

    @property
    def already_in_campaign(self) -> int:
        return len(self.already_in_campaign_lead_ids)

    @property
    def invalid(self) -> int:
        return len(self.invalid_items)

    @property
    def not_added_over_limit(self) -> int:
        return len(self.not_added_lead_ids)

    @property
    def suppressed(self) -> int:
        return len(self.suppressed_lead_ids)


def _campaign_name(name: str | None) -> str:
    name = clean_text(name)
    if not name:
        raise DomainError("A campaign needs a name.", details={"name": ["This field is required."]})
    if len(name) > CAMPAIGN_NAME_MAX_LENGTH:
        message = f"At most {CAMPAIGN_NAME_MAX_LENGTH} characters."
        raise DomainError(f"A campaign name is {message.lower()}", details={"name": [message]})
    return name


def _current(workspace: Workspace, campaign: Campaign) -> Campaign:
    """The campaign as committed, read under the quota lock: a status changed meanwhile is seen."""
    return Campaign.objects.get_for_workspace_or_404(workspace, campaign.pk)


def _change_lead_count(workspace: Workspace, campaign_ids: Collection[int], delta: int) -> None:
    if delta and campaign_ids:
        Campaign.objects.for_workspace(workspace).filter(pk__in=campaign_ids).update(
            lead_count=F("lead_count") + delta
        )


@transaction.atomic
def campaign_create(*, workspace: Workspace, name: str | None) -> Campaign:
    return Campaign.objects.create(workspace=workspace, name=_campaign_name(name))


@transaction.atomic
def campaign_rename(*, workspace: Workspace, campaign: Campaign, name: str | None) -> Campaign:
    campaign.name = _campaign_name(name)
    campaign.save(update_fields=["name", "updated_at"])
    return campaign


@transaction.atomic
def campaign_update(
    *,
    workspace: Workspace,
    campaign: Campaign,
    name: str | None = None,
    status: str | None = None,
    schedule: Mapping[str, Any] | None = None,
    stop_on_reply: bool | None = None,
    fields: Mapping[str, Any] | None = None,
) -> Campaign:
    """Changes what is given, all or nothing: a refused name or schedule (400), a status that does not fit
    (402) or a campaign that cannot start (409) changes nothing. ``schedule`` takes any of timezone, days,
    start and end (the others stay); ``fields`` are those registered in ``campaigns.extensions``, written
    here, before the status moves, so one request may give a campaign its mailboxes and start it.
    The quota row is locked before the campaign's row is written (quota row first, always: an enrolment
    holding the quota row also updates the campaign's lead count)."""
    if status is not None:
        _require_status(status)
        quota = billing_services.quota_lock(workspace=workspace)
    if name is not None:
        campaign = campaign_rename(workspace=workspace, campaign=campaign, name=name)
    if schedule is not None or stop_on_reply is not None:
        campaign = _set_schedule(campaign, schedule or {}, stop_on_reply)
    registered = extensions.campaign_fields()
    for field_name, value in (fields or {}).items():
        registered[field_name].write(workspace=workspace, campaign=campaign, value=value)
    if status is not None:
        campaign, _ = _set_status(workspace=workspace, quota=quota, campaign=campaign, status=status)
    return campaign


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _set_schedule(campaign: Campaign, schedule: Mapping[str, Any], stop_on_reply: bool | None) -> Campaign:
    errors: dict[str, list[str]] = {}
    timezone_name = schedule.get("timezone", campaign.schedule_timezone)
    if timezone_name not in timezone_names():
        errors["timezone"] = [f"{timezone_name!r} is not a time zone: use a name like Europe/Berlin."]
    days = schedule.get("days", campaign.schedule_days)
    if not days or any(not isinstance(day, int) or not 1 <= day <= 7 for day in days):
        errors["days"] = ["Choose at least one day, as ISO weekdays from 1 (Monday) to 7 (Sunday)."]
    start: time = schedule.get("start", campaign.schedule_start)
    end: time = schedule.get("end", campaign.schedule_end)
    if start >= end:
        errors["end"] = ["The sending window ends after it starts, on the same day."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, details={"schedule": errors})
    campaign.schedule_timezone = timezone_name
    campaign.schedule_days = sorted(set(days))
    campaign.schedule_start, campaign.schedule_end = start, end
    if stop_on_reply is not None:
        campaign.stop_on_reply = stop_on_reply
    campaign.save(
        update_fields=[
            "schedule_timezone",
            "schedule_days",
            "schedule_start",
            "schedule_end",
            "stop_on_reply",
            "updated_at",
        ]
    )
    return campaign


def _require_status(status: str) -> None:
    if status not in Campaign.Status.values:
        raise DomainError(f"{status!r} is not a campaign status.", details={"status": ["Unknown status."]})


@transaction.atomic
def campaign_set_status(*, workspace: Workspace, campaign: Campaign, status: str) -> tuple[Campaign, int]:
    """Moves the campaign to ``status``; returns it and the change in active leads used.

    Archiving frees the slots of its live contacts that have no other live enrollment. Leaving archived
    (unarchiving) takes them back only if they all fit, else ``ActiveLeadsLimitReached`` (402) and the
    campaign stays archived; its finished enrollments take none while the workspace releases finished
    leads (rule 22). Moves between the other statuses change no slots (rule 2).
    """
    _require_status(status)
    quota = billing_services.quota_lock(workspace=workspace)
    return _set_status(workspace=workspace, quota=quota, campaign=campaign, status=status)


def _set_status(
    *, workspace: Workspace, quota: Quota, campaign: Campaign, status: str
) -> tuple[Campaign, int]:
    campaign = _current(workspace, campaign)
    change = 0
    if status != campaign.status and ARCHIVED in (status, campaign.status):
        count = enrollments_only_in(
            workspace=workspace, campaign=campaign, release_finished=quota.release_finished_leads
        ).count()
        if status == ARCHIVED:
            change = -billing_services.active_leads_release(quota=quota, count=count)
        else:
            change = billing_services.active_leads_reserve(quota=quota, count=count)
    if status == Campaign.Status.ACTIVE and campaign.status != status:
        reasons = campaign_start_refusals(workspace=workspace, campaign=campaign)
        if reasons:
            message = (
                reasons[0] if len(reasons) == 1 else f"{campaign.name} cannot start: " + " ".join(reasons)
            )
            raise Conflict(message, details={"reasons": reasons})
    campaign.status = status
    campaign.save(update_fields=["status", "updated_at"])
    return campaign, change


def campaign_start_refusals(*, workspace: Workspace, campaign: Campaign) -> list[str]:
    """Why the campaign cannot start sending, a sentence each; empty when it can."""
    reasons = [] if steps_of(workspace=workspace, campaign=campaign).exists() else [NO_STEP]
    for check in extensions.start_checks():
        reason = check(workspace=workspace, campaign=campaign)
        if reason:
            reasons.append(reason)
    return reasons


@transaction.atomic
def campaign_delete(*, workspace: Workspace, campaign: Campaign) -> int:
    """Deletes the campaign and its enrollments; returns how many active-lead slots that freed.

    Its imports stay, with their counts and error reports, under the campaign's name; one not finished
    is cancelled (a running one stops before its next chunk, which waits for this transaction's lock), and
    an upload still waiting for its mapping is discarded with its file."""
    quota = billing_services.quota_lock(workspace=workspace)
    # Locked: an upload into it that commits from now on fails its reference check (and says the campaign
    # is gone) instead of becoming an import into contacts only when the campaign's rows let go of it.
    locked = Campaign.objects.for_workspace(workspace).select_for_update().filter(pk=campaign.pk).first()
    if locked is None:
        raise Http404("No campaign with that id.")
    campaign = locked
    count = slots_freed_by_removing(
        workspace=workspace, campaign=campaign, release_finished=quota.release_finished_leads
    )
    freed = billing_services.active_leads_release(quota=quota, count=count) if count else 0
    Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).delete()
    imports = ImportJob.objects.for_workspace(workspace).filter(campaign=campaign)
    # Locked too: a draft being confirmed right now is either queued (then cancelled below) or waits.
    drafts = dict(imports.select_for_update().filter(status=ImportJob.Status.DRAFT).values_list("pk", "file"))
    imports.filter(pk__in=drafts).delete()
    transaction.on_commit(lambda: delete_stored_files(drafts.values()))
    imports.exclude(status__in=ImportJob.FINISHED).update(
        status=ImportJob.Status.CANCELLED, finished_at=timezone.now(), error=CAMPAIGN_DELETED
    )
    imports.update(campaign=None, campaign_name=campaign.name)
    campaign.delete()
    return freed


def _lock_campaign(workspace: Workspace, campaign: Campaign) -> Campaign:
    """The campaign's row, locked: its steps change one writer at a time, so positions stay 1..n."""
    locked = Campaign.objects.for_workspace(workspace).select_for_update().filter(pk=campaign.pk).first()
    if locked is None:
        raise Http404("No campaign with that id.")
    return locked


def _check_step(
    *, workspace: Workspace, subject: str, body: str, delay_days: int, position: int, last: int
) -> None:
    errors: dict[str, list[str]] = {}
    if not 1 <= position <= last:
        errors["position"] = [f"Between 1 and {last}."]
    if not 0 <= delay_days <= STEP_DELAY_MAX_DAYS:
        errors["delay_days"] = [f"From 0 to {STEP_DELAY_MAX_DAYS} days."]
    if len(subject) > STEP_SUBJECT_MAX_LENGTH:
        errors["subject"] = [f"At most {STEP_SUBJECT_MAX_LENGTH} characters."]
    if not body.strip():
        errors["body"] = ["A step needs a body."]
    for field_name, messages in unknown_variable_errors(
        workspace=workspace, texts={"subject": subject, "body": body}
    ).items():
        errors.setdefault(field_name, messages)
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, details=errors)


def _require_first_subject(workspace: Workspace, campaign: Campaign, *, field_name: str) -> None:
    """Held after every change: the step at position 1 has a subject for the others to reply under."""
    first = steps_of(workspace=workspace, campaign=campaign).filter(position=1).first()
    if first is not None and not first.subject.strip():
        raise DomainError(FIRST_SUBJECT, details={field_name: [FIRST_SUBJECT]})


def _shift(workspace: Workspace, campaign: Campaign, *, low: int, high: int | None, by: int) -> None:
    """Moves the steps at positions low..high (high None: to the end) by ``by`` places."""
    steps = steps_of(workspace=workspace, campaign=campaign).filter(position__gte=low)
    if high is not None:
        steps = steps.filter(position__lte=high)
    steps.update(position=F("position") + by)


@transaction.atomic
def step_create(
    *,
    workspace: Workspace,
    campaign: Campaign,
    subject: str = "",
    body: str,
    delay_days: int = 0,
    position: int | None = None,
) -> Step:
    """Adds a step at ``position`` (default: last); the steps from there on move one place down."""
    campaign = _lock_campaign(workspace, campaign)
    count = steps_of(workspace=workspace, campaign=campaign).count()
    position = count + 1 if position is None else position
    _check_step(
        workspace=workspace,
        subject=subject,
        body=body,
        delay_days=delay_days,
        position=position,
        last=count + 1,
    )
    _shift(workspace, campaign, low=position, high=None, by=1)
    step = Step.objects.create(
        workspace=workspace,
        campaign=campaign,
        position=position,
        subject=subject,
        body=body,
        delay_days=delay_days,
    )
    _require_first_subject(workspace, campaign, field_name="subject" if position == 1 else "position")
    return step


@transaction.atomic
def step_update(
    *,
    workspace: Workspace,
    campaign: Campaign,
    step: Step,
    subject: str | None = None,
    body: str | None = None,
    delay_days: int | None = None,
    position: int | None = None,
) -> Step:
    """Changes what is given. A new ``position`` moves the step there and the steps between one place
    towards where it was, so positions stay 1..n."""
    campaign = _lock_campaign(workspace, campaign)
    step = step_of(workspace=workspace, campaign=campaign, step_id=step.pk)
    count = steps_of(workspace=workspace, campaign=campaign).count()
    old = step.position
    step.subject = step.subject if subject is None else subject
    step.body = step.body if body is None else body
    step.delay_days = step.delay_days if delay_days is None else delay_days
    new = old if position is None else position
    _check_step(
        workspace=workspace,
        subject=step.subject,
        body=step.body,
        delay_days=step.delay_days,
        position=new,
        last=count,
    )
    if new < old:
        _shift(workspace, campaign, low=new, high=old - 1, by=1)
    elif new > old:
        _shift(workspace, campaign, low=old + 1, high=new, by=-1)
    step.position = new
    step.save()
    _require_first_subject(workspace, campaign, field_name="subject" if new == 1 else "position")
    return step


@transaction.atomic
def step_delete(*, workspace: Workspace, campaign: Campaign, step: Step) -> None:
    """Deletes the step; the steps after it move one place up."""
    campaign = _lock_campaign(workspace, campaign)
    step = step_of(workspace=workspace, campaign=campaign, step_id=step.pk)
    step.delete()
    _shift(workspace, campaign, low=step.position + 1, high=None, by=-1)
    _require_first_subject(workspace, campaign, field_name="non_field_errors")


@transaction.atomic
def lead_delete(*, workspace: Workspace, lead: Lead) -> int:
    """Deletes the contact and its enrollments; returns the active-lead slots freed (0 or 1)."""
    quota = billing_services.quota_lock(workspace=workspace)
    lead = Lead.objects.get_for_workspace_or_404(workspace, lead.pk)
    enrollments = Enrollment.objects.for_workspace(workspace).filter(lead=lead)
    campaign_ids = list(enrollments.values_list("campaign_id", flat=True))
    live = enrollments.live(release_finished=quota.release_finished_leads)
    freed = billing_services.active_leads_release(quota=quota, count=1) if live.exists() else 0
    enrollments.delete()
    _change_lead_count(workspace, campaign_ids, -1)
    lead.delete()
    return freed


def _leave_every_campaign(workspace: Workspace, quota: Quota, lead_ids: list[int]) -> tuple[int, int]:
    """Deletes every enrollment of ``lead_ids`` under the caller's quota lock, set-based: the slots of
    those with a live enrollment are freed and each campaign's ``lead_count`` drops by its own share.
    Returns (contacts that were in a campaign, slots freed)."""
    enrollments = Enrollment.objects.for_workspace(workspace).filter(lead_id__in=lead_ids)
    active = (
        enrollments.live(release_finished=quota.release_finished_leads).values("lead_id").distinct().count()
    )
    freed = billing_services.active_leads_release(quota=quota, count=active) if active else 0
    per_campaign = Counter(enrollments.values_list("campaign_id", flat=True))
    contacts = enrollments.values("lead_id").distinct().count()
    enrollments.delete()
    for count in set(per_campaign.values()):
        _change_lead_count(workspace, [pk for pk, n in per_campaign.items() if n == count], -count)
    return contacts, freed


@transaction.atomic
def enrollments_remove_everywhere(*, workspace: Workspace, lead_ids: Iterable[int]) -> tuple[int, int]:
    """Takes the contacts ``lead_ids`` out of every campaign, in one transaction under the quota lock;
    ids the workspace does not have are ignored. Returns (contacts that were in a campaign, slots freed)."""
    quota = billing_services.quota_lock(workspace=workspace)
    return _leave_every_campaign(workspace, quota, list(lead_ids))


@transaction.atomic
def leads_delete(*, workspace: Workspace, lead_ids: Iterable[int]) -> tuple[int, int]:
    """Deletes the contacts ``lead_ids`` (as ``lead_delete`` does one) in one transaction under the quota
    lock, set-based; ids the workspace does not have are ignored. Returns (contacts deleted, slots freed).
    A caller with many contacts passes them in chunks: one transaction per chunk, not per contact."""
    quota = billing_services.quota_lock(workspace=workspace)
    leads = Lead.objects.for_workspace(workspace).filter(pk__in=list(lead_ids))
    found = list(leads.values_list("pk", flat=True))
    _, freed = _leave_every_campaign(workspace, quota, found)
    deleted = len(found)
    Lead.objects.for_workspace(workspace).filter(pk__in=found).delete()
    return deleted, freed


def _open_campaign(workspace: Workspace, campaign: Campaign) -> Campaign:
    """The campaign, re-read under the quota lock (the caller's), if it takes contacts: not archived."""
    campaign = _current(workspace, campaign)
    if campaign.is_archived:
        raise Conflict(
            f"{campaign.name} is archived: give it another status before adding contacts.",
            details={"status": campaign.status},
        )
    return campaign


@transaction.atomic
def enrollments_add(
    *,
    workspace: Workspace,
    campaign: Campaign,
    lead_ids: Iterable[int] = (),
    leads: Iterable[Mapping[str, object]] = (),
    allow_partial: bool = False,
    source: Lead.Source = Lead.Source.API,
) -> EnrollmentResult:
    """Adds existing contacts (``lead_ids``) and contacts given as data (``leads``: mappings of lead
    fields; an email the workspace has is that contact, unchanged, a new one becomes a contact).

    Items are taken in request order, ``lead_ids`` first. Each lands in one list of the returned
    ``EnrollmentResult``. Contacts already active in another campaign cost no slot and are always added.
    A contact whose email is suppressed (rule 20; a new one is created first, as any new contact) is not
    added, needs no slot, and is listed in ``suppressed_lead_ids``.
    All or nothing by default: if the contacts that need a slot do not all fit, ``ActiveLeadsLimitReached``
    (402: requested, available, limit) and nothing changes, no contact is created. With ``allow_partial``
    those that fit are added in request order and the rest reported; new contacts among them are kept.
    """
    lead_ids, leads = list(lead_ids), list(leads)
    if not lead_ids and not leads:
        raise DomainError(
            "Name the contacts to add: lead_ids and/or leads.",
            details={"non_field_errors": ["Send lead_ids and/or leads."]},
        )
    quota = billing_services.quota_lock(workspace=workspace)
    campaign = _open_campaign(workspace, campaign)
    invalid_items = []

    # Each contact once, in request order, known by its normalised email.
    email_of_id = dict(
        Lead.objects.for_workspace(workspace).filter(pk__in=lead_ids).values_list("pk", "email")
    )
    wanted, seen, new_data, index_of_email = [], set(), {}, {}
    for index, lead_id in enumerate(lead_ids):
        email = email_of_id.get(lead_id)
        reason = NO_SUCH_LEAD if email is None else LISTED_TWICE if email in seen else ""
        if email is None or reason:
            invalid_items.append({"field": "lead_ids", "index": index, "lead_id": lead_id, "reason": reason})
        else:
            wanted.append(email)
            seen.add(email)
    for index, data in enumerate(leads):
        try:
            clean = normalize_lead(data)
        except InvalidLead as exc:
            reason = exc.reason
        else:
            reason = LISTED_TWICE if clean.email in seen else ""
        if reason:
            email = str(data.get("email") or "")
            invalid_items.append({"field": "leads", "index": index, "email": email, "reason": reason})
        else:
            wanted.append(clean.email)
            seen.add(clean.email)
            new_data[clean.email] = clean
            index_of_email[clean.email] = index
    if not wanted:
        return EnrollmentResult(invalid_items=invalid_items)

    id_of_email = {email: pk for pk, email in email_of_id.items()}
    id_of_email.update(
        Lead.objects.for_workspace(workspace).filter(email__in=list(new_data)).values_list("email", "pk")
    )
    to_create = [clean.email for email, clean in new_data.items() if email not in id_of_email]
    if to_create:
        # A contact created meanwhile with one of these emails (POST /leads takes no quota lock) is
        # skipped here and found by the read below; it cannot be in a campaign (that takes the lock this
        # transaction holds), so it counts as created here. If the additions do not fit (402), the
        # transaction rolls back and no contact is created.
        Lead.objects.bulk_create(
            [Lead(workspace=workspace, source=source, **new_data[email].as_dict()) for email in to_create],
            ignore_conflicts=True,
        )
        id_of_email.update(
            Lead.objects.for_workspace(workspace).filter(email__in=to_create).values_list("email", "pk")
        )
    result = enrollments_add_many(
        workspace=workspace,
        campaign=campaign,
        lead_ids=[id_of_email[email] for email in wanted],
        allow_partial=allow_partial,
        created_lead_ids=[id_of_email[email] for email in to_create],
        quota=quota,
    )
    result.invalid_items[:0] = invalid_items
    result.warnings = [
        {"index": index_of_email[email], "email": email, "warnings": new_data[email].warnings}
        for email in to_create
        if new_data[email].warnings
    ]
    return result


@transaction.atomic
def enrollments_remove(*, workspace: Workspace, campaign: Campaign, lead_ids: Iterable[int]) -> int:
    """Takes contacts out of the campaign; returns how many were in it. Ids it does not have are
    ignored. A contact whose live enrollment it was, with no other, frees its slot at once (rule 2)."""
    lead_ids = list(lead_ids)
    quota = billing_services.quota_lock(workspace=workspace)
    campaign = _current(workspace, campaign)
    if not campaign.is_archived:
        only_here = enrollments_only_in(
            workspace=workspace, campaign=campaign, release_finished=quota.release_finished_leads
        )
        count = only_here.filter(lead_id__in=lead_ids).count()
        billing_services.active_leads_release(quota=quota, count=count)
    removed, _ = (
        Enrollment.objects.for_workspace(workspace).filter(campaign=campaign, lead_id__in=lead_ids).delete()
    )
    _change_lead_count(workspace, [campaign.pk], -removed)
    return removed


@transaction.atomic
def enrollments_add_many(
    *,
    workspace: Workspace,
    campaign: Campaign,
    lead_ids: Iterable[int],
    allow_partial: bool = False,
    created_lead_ids: Iterable[int] = (),
    quota: Quota | None = None,
) -> EnrollmentResult:
    """Adds existing contacts, in the numbers a CSV import brings (tens of thousands per call) as well
    as a request's: ``enrollments_add`` resolves its items to contacts and comes here. The enrollments are
    written in one ``INSERT … SELECT unnest(…)`` on PostgreSQL.
    tests/campaigns/test_enrollments_add_many.py holds it to the answers of the rules, item for item.

    ``created_lead_ids``: those of ``lead_ids`` the caller created in this transaction, so they are the
    workspace's and in no campaign; they are not looked up.

    ``quota``: the workspace's quota row, from a caller that locked it already (``enrollments_add``, a
    Lead Finder take, an import chunk); without it this takes the lock.
    """
    lead_ids = list(lead_ids)
    if not lead_ids:
        raise DomainError(
            "Name the contacts to add: lead_ids.", details={"non_field_errors": ["Send lead_ids."]}
        )
    quota = quota or billing_services.quota_lock(workspace=workspace)
    campaign = _open_campaign(workspace, campaign)
    result = EnrollmentResult()
    created = set(created_lead_ids)
    known, active, in_campaign = _lead_states(
        workspace,
        campaign,
        [i for i in lead_ids if i not in created],
        release_finished=quota.release_finished_leads,
    )
    known |= created
    wanted, seen = [], set()
    for index, lead_id in enumerate(lead_ids):
        reason = NO_SUCH_LEAD if lead_id not in known else LISTED_TWICE if lead_id in seen else ""
        if reason:
            result.invalid_items.append(
                {"field": "lead_ids", "index": index, "lead_id": lead_id, "reason": reason}
            )
        else:
            wanted.append(lead_id)
            seen.add(lead_id)
    # Skipped before any slot is counted: an all-or-nothing addition is not refused for their sake.
    suppressed = suppressed_lead_ids(workspace=workspace, lead_ids=wanted)
    if suppressed:
        result.suppressed_lead_ids = [lead_id for lead_id in wanted if lead_id in suppressed]
        wanted = [lead_id for lead_id in wanted if lead_id not in suppressed]
    # In the campaign already (finished there too: no second sequence) or live elsewhere: no slot.
    needing_slot = [lead_id for lead_id in wanted if lead_id not in active and lead_id not in in_campaign]
    try:
        taken = billing_services.active_leads_reserve(
            quota=quota, count=len(needing_slot), allow_partial=allow_partial
        )
    except ActiveLeadsLimitReached as exc:
        # Contacts already active in another campaign need no slot: with allow_partial they are added
        # too, which the dashboard's offer counts (not part of the API's answer).
        exc.already_active = sum(1 for lead_id in wanted if lead_id in active and lead_id not in in_campaign)
        raise
    fitting = set(needing_slot[:taken])
    for lead_id in wanted:
        if lead_id in in_campaign:
            result.already_in_campaign_lead_ids.append(lead_id)
        elif lead_id in active or lead_id in fitting:
            result.added_lead_ids.append(lead_id)
        else:
            result.not_added_lead_ids.append(lead_id)
    _insert_enrollments(workspace, campaign, result.added_lead_ids)
    _change_lead_count(workspace, [campaign.pk], result.added)
    return result


def _lead_states(
    workspace: Workspace, campaign: Campaign, lead_ids: list[int], *, release_finished: bool
) -> tuple[set[int], set[int], set[int]]:
    """Which of ``lead_ids`` are contacts of the workspace, which of those are active (a live enrollment:
    in a campaign that is not archived and, when ``release_finished``, not finished) and which have an
    enrollment in ``campaign``, live or finished, in one query."""
    if not lead_ids:
        return set(), set(), set()
    leads, enrollments = (connection.ops.quote_name(model._meta.db_table) for model in (Lead, Enrollment))
    archived = set(
        Campaign.objects.for_workspace(workspace).filter(status=ARCHIVED).values_list("pk", flat=True)
    )
    # Subqueries per id probe the primary key and the enrollments' lead index, whatever the
    # statistics (which lag behind an import) say about how many rows the workspace has; the
    # enrollments' (workspace, lead) index serves the second (a lateral one: campaigns and statuses
    # together). Only the ids that are not contacts of the workspace or that have enrollments come back.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id, ours, campaign_ids, statuses FROM (
                SELECT wanted.id,
                       coalesce((SELECT workspace_id FROM {leads} WHERE id = wanted.id) = %(workspace)s,
                                false) AS ours,
                       enrolled.campaign_ids, enrolled.statuses
                FROM unnest(%(ids)s::bigint[]) AS wanted (id)
                CROSS JOIN LATERAL (
                    SELECT array_agg(e.campaign_id) AS campaign_ids, array_agg(e.status) AS statuses
                    FROM {enrollments} e WHERE e.workspace_id = %(workspace)s AND e.lead_id = wanted.id
                ) AS enrolled
            ) AS found
            WHERE NOT ours OR campaign_ids IS NOT NULL
            """,  # noqa: S608 - table names from the models
            {"ids": lead_ids, "workspace": workspace.pk},
        )
        found = cursor.fetchall()
    known = set(lead_ids).difference(lead_id for lead_id, ours, _, _ in found if not ours)
    holding = LIVE_STATUSES if release_finished else Enrollment.Status.values
    active, in_campaign = set(), set()
    for lead_id, ours, campaign_ids, statuses in found:
        if not ours:
            continue
        if campaign.pk in campaign_ids:
            in_campaign.add(lead_id)
        if any(
            campaign_id not in archived and status in holding
            for campaign_id, status in zip(campaign_ids, statuses, strict=True)
        ):
            active.add(lead_id)
    return known, active, in_campaign


def _insert_enrollments(workspace: Workspace, campaign: Campaign, lead_ids: list[int]) -> None:
    if not lead_ids:
        return
    table = connection.ops.quote_name(Enrollment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (workspace_id, campaign_id, lead_id, created_at) "
            "SELECT %s, %s, unnest(%s::bigint[]), %s",
            [workspace.pk, campaign.pk, lead_ids, timezone.now()],
        )


@transaction.atomic
def enrollments_finish(
    *, workspace: Workspace, lead_ids: Iterable[int], status: str, campaign: Campaign | None = None
) -> int:
    """Ends the sequences of these contacts' live enrollments (in ``campaign``, or in every campaign of the
    workspace) as ``status`` (completed, replied, bounced, unsubscribed): nothing more is sent to them
    there. Returns how many enrollments it ended. Enrollments already finished keep their status.

    Rule 22, in this transaction, under the quota lock taken first: when the workspace releases finished
    leads, a contact whose last live enrollment this ended frees its slot (``active_leads_release``); a
    contact still live elsewhere keeps it. Each ended enrollment emits one ``lead.<status>`` event (the
    webhooks' outbox, core.events). Set-based: one statement ends them all, one more finds the slots."""
    if status not in FINISHED_STATUSES:
        raise ValueError(f"{status!r} does not finish an enrollment.")
    quota = billing_services.quota_lock(workspace=workspace)
    lead_ids = list(lead_ids)
    if not lead_ids:
        return 0
    finished_at = timezone.now()
    table = connection.ops.quote_name(Enrollment._meta.db_table)
    in_campaign = "AND campaign_id = %(campaign)s" if campaign is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET status = %(status)s, next_send_at = NULL, finished_at = %(now)s
            WHERE workspace_id = %(workspace)s AND lead_id = ANY(%(leads)s::bigint[])
              AND status = ANY(%(live)s) {in_campaign}
            RETURNING campaign_id, lead_id
            """,  # noqa: S608 - the table's name from the model
            {
                "status": status,
                "now": finished_at,
                "workspace": workspace.pk,
                "leads": lead_ids,
                "live": list(LIVE_STATUSES),
                "campaign": campaign.pk if campaign is not None else None,
            },
        )
        ended = sorted(cursor.fetchall())
    if not ended:
        return 0
    if quota.release_finished_leads:
        _release_finished(workspace, quota, ended)
    _emit_finished(workspace, ended, status, finished_at)
    return len(ended)


def _release_finished(workspace: Workspace, quota: Quota, ended: list[tuple[int, int]]) -> None:
    """Frees the slots of the contacts whose ended enrollments held one (their campaign is not archived)
    and that have no live enrollment left."""
    archived = set(
        Campaign.objects.for_workspace(workspace)
        .filter(pk__in={campaign_id for campaign_id, _ in ended}, status=ARCHIVED)
        .values_list("pk", flat=True)
    )
    held = {lead_id for campaign_id, lead_id in ended if campaign_id not in archived}
    if not held:
        return
    still_live = set(
        Enrollment.objects.for_workspace(workspace)
        .live(release_finished=True)
        .filter(lead_id__in=held)
        .values_list("lead_id", flat=True)
    )
    billing_services.active_leads_release(quota=quota, count=len(held - still_live))


def _emit_finished(
    workspace: Workspace, ended: list[tuple[int, int]], status: str, finished_at: datetime
) -> None:
    emails = dict(
        Lead.objects.for_workspace(workspace)
        .filter(pk__in={lead_id for _, lead_id in ended})
        .values_list("pk", "email")
    )
    names = dict(
        Campaign.objects.for_workspace(workspace)
        .filter(pk__in={campaign_id for campaign_id, _ in ended})
        .values_list("pk", "name")
    )
    for campaign_id, lead_id in ended:
        event_emit(
            workspace=workspace,
            type=f"lead.{status}",
            data={
                "lead": {"id": lead_id, "email": emails[lead_id]},
                "campaign": {"id": campaign_id, "name": names[campaign_id]},
                "status": status,
                "finished_at": finished_at.isoformat(),
            },
        )


@transaction.atomic
def enrollments_forget_mailbox(*, workspace: Workspace, mailbox_id: int) -> int:
    """Clears the mailbox of the enrollments it was sending for (sending deletes a mailbox; campaigns does
    not import sending, hence the id). They get another of their campaign's mailboxes at their next
    message. Returns how many changed."""
    return Enrollment.objects.for_workspace(workspace).filter(mailbox_id=mailbox_id).update(mailbox=None)


# Sequence state (the sender)


@transaction.atomic
def enrollment_pause(*, workspace: Workspace, campaign: Campaign, lead_id: int) -> int:
    """Pauses one active enrollment (the sender gave up retrying its step): nothing is sent to it until it
    is resumed. Returns 1 if it was paused, 0 if it was not active."""
    billing_services.quota_lock(workspace=workspace)
    return (
        Enrollment.objects.for_workspace(workspace)
        .filter(campaign=campaign, lead_id=lead_id, status=Enrollment.Status.ACTIVE)
        .update(status=Enrollment.Status.PAUSED, next_send_at=None)
    )


@transaction.atomic
def enrollment_set_status(
    *, workspace: Workspace, campaign: Campaign, lead_id: int, status: str
) -> Enrollment:
    """Pauses (``paused``) or resumes (``active``) one lead's sequence in ``campaign``, a person's choice.
    Resuming makes its next step due at once and forgets earlier refusals (``attempts``). Both statuses are
    live, so no slot moves (rule 22). A sequence that is over cannot be paused or resumed (409); a lead not
    in the campaign is a 404. Asking for the status it has changes nothing."""
    if status not in LIVE_STATUSES:
        raise DomainError(
            f"{status!r} is not a status a lead can be given: paused or active.",
            details={"status": ["Choose paused or active."]},
        )
    billing_services.quota_lock(workspace=workspace)
    enrollments = Enrollment.objects.for_workspace(workspace).filter(campaign=campaign, lead_id=lead_id)
    enrollment = enrollments.first()
    if enrollment is None:
        raise Http404("No lead with that id in this campaign.")
    if enrollment.status not in LIVE_STATUSES:
        over = enrollment.get_status_display().lower()
        raise Conflict(
            f"The sequence of this lead in {campaign.name} is over ({over}): it cannot be paused or resumed.",
            details={"status": enrollment.status},
        )
    if enrollment.status != status:
        if status == Enrollment.Status.PAUSED:
            enrollments.update(status=status, next_send_at=None)
        else:
            enrollments.update(status=status, next_send_at=timezone.now(), attempts=0)
        enrollment = enrollments.get()
    return enrollment
