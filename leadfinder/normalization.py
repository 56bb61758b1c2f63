"""How a data vendor's row becomes a prospect: the contact fields through the shared normalisation
(leads.normalization), the enumerations by value or label, the company domain as a bare host name.

``clean_prospect(data)`` returns the prospect's field values or raises ``InvalidLead`` whose ``errors``
name each bad field.
"""

import re

from leadfinder.models import ENUM_FIELDS, PROSPECT_FIELDS, EmailStatus
from leads.normalization import InvalidLead, clean_text, normalize_lead

VENDOR_COLUMNS = PROSPECT_FIELDS
REQUIRED_COLUMNS = ["first_name", "last_name", "email", "company_name"]
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# normalize_lead wants an email; a prospect may have none, so its other fields are checked with this one.
_STAND_IN_EMAIL = "prospect@leadpool.io"


def _choice(enum, raw):
    """The enumeration's value for ``raw``, given as a value or a label in any case; "" for empty."""
    text = clean_text(raw)
    if not text:
        return ""
    key = text.casefold().replace(" ", "").replace(",", "")
    for value, label in enum.choices:
        if key in (value.casefold(), label.casefold().replace(" ", "").replace(",", "")):
            return value
    allowed = ", ".join(enum.values)
    raise InvalidLead({"value": f"{text[:40]!r} is not one of {allowed}."})


def _domain(raw):
    text = clean_text(raw).lower()
    host = re.sub(r"^[a-z]+://", "", text).split("/")[0].removeprefix("www.")
    if host and not _DOMAIN.match(host):
        raise InvalidLead({"value": f"{text[:60]!r} is not a domain name like acme.com."})
    return host


def clean_prospect(data):
    """Validates and cleans one vendor row (a mapping of VENDOR_COLUMNS to raw text)."""
    errors = {}
    raw_email = clean_text(data.get("email"))
    contact = {name: data.get(name) for name in ("first_name", "last_name", "company_name", "job_title")}
    contact.update(
        email=raw_email or _STAND_IN_EMAIL,
        phone=data.get("phone"),
        linkedin_url=data.get("linkedin_url"),
        city=data.get("city"),
    )
    try:
        clean = normalize_lead(contact)
    except InvalidLead as exc:
        errors.update(exc.errors)
        clean = None
    else:
        # The vendor's file is checked strictly: a bad value is a row to fix, not one to drop.
        errors.update(clean.warnings)

    values = {}
    for name, enum in ENUM_FIELDS.items():
        try:
            values[name] = _choice(enum, data.get(name))
        except InvalidLead as exc:
            errors[name] = exc.errors["value"]
    try:
        values["company_domain"] = _domain(data.get("company_domain"))
    except InvalidLead as exc:
        errors["company_domain"] = exc.errors["value"]
    try:
        status = _choice(EmailStatus, data.get("email_status"))
    except InvalidLead as exc:
        errors["email_status"] = exc.errors["value"]
    if clean is not None and not (clean.first_name or clean.last_name):
        errors["first_name"] = "A prospect needs a first or a last name."
    if errors:
        raise InvalidLead(errors)

    email = clean.email if raw_email else ""
    values.update(
        first_name=clean.first_name,
        last_name=clean.last_name,
        company_name=clean.company_name,
        job_title=clean.job_title,
        phone=clean.phone,
        linkedin_url=clean.linkedin_url,
        city=clean.city,
        email=email,
        email_status=(status or EmailStatus.UNVERIFIED) if email else "",
    )
    return values
