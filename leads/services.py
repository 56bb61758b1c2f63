"""Writes of contacts that need no enrollment knowledge: creating and editing them; the suppression list.

Deleting a contact frees its active-lead slots, so ``lead_delete`` lives in ``campaigns.services``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import overload

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Workspace
from billing import services as billing_services
from core.errors import Conflict, DomainError
from leads.models import Lead, Suppression
from leads.normalization import (
    LEAD_FIELDS,
    CleanLead,
    InvalidLead,
    clean_text,
    normalize_email,
    normalize_lead,
)


def invalid_lead_error(exc: InvalidLead) -> DomainError:
    """An ``InvalidLead`` as the error every caller shows: one message, and each bad field's reason."""
    return DomainError(
        f"This contact is not valid: {exc.reason}",
        details={name: [message] for name, message in exc.errors.items()},
    )


def _email_taken(workspace: Workspace, email: str) -> Conflict:
    lead_id = Lead.objects.for_workspace(workspace).filter(email=email).values_list("pk", flat=True).first()
    return Conflict(f"A contact with the email {email} already exists.", details={"lead_id": lead_id})


def _clean(data: Mapping[str, object], *, drop_invalid: bool) -> CleanLead:
    try:
        clean = normalize_lead(data)
    except InvalidLead as exc:
        raise invalid_lead_error(
            exc if drop_invalid else InvalidLead({**exc.errors, **exc.warnings})
        ) from exc
    # A person at a form can fix a value; an integration gets the contact and the warnings.
    if clean.warnings and not drop_invalid:
        raise invalid_lead_error(InvalidLead(clean.warnings))
    return clean


@transaction.atomic
def lead_create(
    *,
    workspace: Workspace,
    data: Mapping[str, object],
    source: Lead.Source = Lead.Source.MANUAL,
    drop_invalid: bool = False,
) -> Lead:
    """A new contact from raw field values; an email the workspace already has is a 409 naming its lead.

    A malformed optional value is refused, or with ``drop_invalid`` left out and named in the answer's
    ``warnings`` (field to reasons); only a missing or invalid email refuses the contact then."""
    clean = _clean(data, drop_invalid=drop_invalid)
    if Lead.objects.for_workspace(workspace).filter(email=clean.email).exists():
        raise _email_taken(workspace, clean.email)
    try:
        with transaction.atomic():
            lead = Lead.objects.create(workspace=workspace, source=source, **clean.as_dict())
    except IntegrityError as exc:
        # Another request created the same email between the check and the insert.
        raise _email_taken(workspace, clean.email) from exc
    lead.warnings = clean.warnings
    return lead


@transaction.atomic
def lead_update(
    *, workspace: Workspace, lead: Lead, data: Mapping[str, object], drop_invalid: bool = False
) -> Lead:
    """Changes the fields named in ``data`` (``custom_fields`` is replaced whole); the rest stay. With
    ``drop_invalid``, a malformed optional value leaves its field as it was and is named in ``warnings``.

    Under the workspace's quota row lock, like every write that an import chunk or an enrolment must not
    see half way: a chunk finds the contacts of its rows by email in more than one statement, and an
    email changed in between would leave a row without its contact."""
    billing_services.quota_lock(workspace=workspace)
    current = {name: getattr(lead, name) for name in (*LEAD_FIELDS, "custom_fields")}
    clean = _clean({**current, **data}, drop_invalid=drop_invalid)
    others = Lead.objects.for_workspace(workspace).exclude(pk=lead.pk)
    if clean.email != lead.email and others.filter(email=clean.email).exists():
        raise _email_taken(workspace, clean.email)
    for name, value in clean.as_dict().items():
        if name not in clean.warnings:
            setattr(lead, name, value)
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError as exc:
        raise _email_taken(workspace, clean.email) from exc
    lead.warnings = clean.warnings
    return lead


# What one call may add: an API request's ``values`` or one uploaded file.
MAX_SUPPRESSIONS_PER_CALL = 10_000


class InvalidSuppression(ValueError):
    pass


def normalize_suppression(raw: object) -> tuple[str, str]:
    """``(kind, value)`` for an email address (normalised as a contact's) or a domain (bare or as
    ``@domain``: lower case, IDNA); ``InvalidSuppression`` saying why otherwise."""
    text = clean_text(raw).lower()
    if not text:
        raise InvalidSuppression("An email address or a domain is required.")
    local_part, _, domain = text.rpartition("@")
    if local_part:
        try:
            return Suppression.Kind.EMAIL, normalize_email(text)
        except InvalidLead as exc:
            raise InvalidSuppression(exc.errors["email"]) from exc
    # A domain is judged as the domain of an address: the same IDNA form, the same refusals.
    try:
        return Suppression.Kind.DOMAIN, normalize_email(f"postmaster@{domain}").rpartition("@")[2]
    except InvalidLead as exc:
        raise InvalidSuppression(f"{text!r} is not an email address or a domain.") from exc


@dataclass
class SuppressionResult:
    """Where each value of a call went: a new entry, one the list had, or refused."""

    added: list[Suppression] = field(default_factory=list)
    already: list[Suppression] = field(default_factory=list)
    # {"index", "value", "reason"}
    invalid: list[dict[str, object]] = field(default_factory=list)


@overload
def suppression_add(*, workspace: Workspace, value: str, reason: str = ...) -> Suppression: ...
@overload
def suppression_add(
    *, workspace: Workspace, values: Iterable[object], reason: str = ...
) -> SuppressionResult: ...
@transaction.atomic
def suppression_add(
    *,
    workspace: Workspace,
    value: str | None = None,
    values: Iterable[object] | None = None,
    reason: str = Suppression.Reason.MANUAL,
) -> Suppression | SuppressionResult:
    """Puts emails or domains on the workspace's do-not-contact list (rule 20). Contacts are not changed.

    With ``value``: the entry, new or the one the list had (re-adding changes nothing); an invalid value
    is a 400 naming it. With ``values`` (up to ``MAX_SUPPRESSIONS_PER_CALL``): a ``SuppressionResult``,
    written in one ``INSERT … ON CONFLICT DO NOTHING``; invalid values are listed, the rest added."""
    if reason not in Suppression.Reason.values:
        raise ValueError(f"{reason!r} is not a suppression reason.")
    if value is not None:
        result = _suppressions_add(workspace, [value], reason)
        if result.invalid:
            message = str(result.invalid[0]["reason"])
            raise DomainError(message, details={"value": [message]})
        return (result.added or result.already)[0]
    return _suppressions_add(workspace, list(values or ()), reason)


def _suppressions_add(workspace: Workspace, values: list[object], reason: str) -> SuppressionResult:
    if len(values) > MAX_SUPPRESSIONS_PER_CALL:
        message = f"At most {MAX_SUPPRESSIONS_PER_CALL:,} values at once; this has {len(values):,}."
        raise DomainError(message, details={"values": [message]})
    result = SuppressionResult()
    wanted: dict[tuple[str, str], None] = {}
    for index, raw in enumerate(values):
        try:
            wanted[normalize_suppression(raw)] = None
        except InvalidSuppression as exc:
            result.invalid.append({"index": index, "value": clean_text(raw)[:300], "reason": str(exc)})
    if not wanted:
        return result
    kinds, found = [kind for kind, _ in wanted], [value for _, value in wanted]
    table = connection.ops.quote_name(Suppression._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (workspace_id, kind, value, reason, created_at) "  # noqa: S608 - the model's table
            "SELECT %s, kind, value, %s, %s FROM unnest(%s::text[], %s::text[]) AS wanted (kind, value) "
            "ON CONFLICT (workspace_id, kind, value) DO NOTHING RETURNING id",
            [workspace.pk, reason, timezone.now(), kinds, found],
        )
        added_ids = {row[0] for row in cursor.fetchall()}
    rows = {
        (row.kind, row.value): row
        for row in Suppression.objects.for_workspace(workspace).filter(kind__in=set(kinds), value__in=found)
        if (row.kind, row.value) in wanted
    }
    for key in wanted:
        # Missing only if another request removed the entry since this one's insert found it.
        if key in rows:
            (result.added if rows[key].pk in added_ids else result.already).append(rows[key])
    return result


@transaction.atomic
def suppression_remove(*, workspace: Workspace, suppression: Suppression) -> None:
    """Takes the entry off the list: the address or domain may be contacted again. Contacts are not
    changed, and sequences ended by an unsubscribe stay ended."""
    Suppression.objects.for_workspace(workspace).filter(pk=suppression.pk).delete()
