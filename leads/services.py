"""Writes of contacts that need no enrollment knowledge: creating and editing them.

Deleting a contact frees its active-lead slots, so ``lead_delete`` lives in ``campaigns.services``.
"""

from collections.abc import Mapping

from django.db import IntegrityError, transaction

from accounts.models import Workspace
from billing import services as billing_services
from core.errors import Conflict, DomainError
from leads.models import Lead
from leads.normalization import LEAD_FIELDS, CleanLead, InvalidLead, normalize_lead


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
