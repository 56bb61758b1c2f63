"""One way to clean a contact, shared by the API, the CSV import and the Lead Finder.

``normalize_lead(data)`` returns a ``CleanLead`` or raises ``InvalidLead`` whose ``errors`` map each bad
field to a sentence a person can act on. Only the email can make a contact invalid: a malformed optional
value (a web address, a phone number, a name over its length, …) is left out of the ``CleanLead`` and
named in its ``warnings``, so that it never costs a contact. Nothing is truncated silently: a value over
its length limit is dropped with a warning, not kept shorter.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from leads.models import Lead


def _max_length(name):
    return Lead._meta.get_field(name).max_length


EMAIL_MAX_LENGTH = _max_length("email")
TEXT_FIELDS = {
    name: _max_length(name)
    for name in ("first_name", "last_name", "company_name", "job_title", "city", "country")
}
URL_FIELDS = {name: _max_length(name) for name in ("website", "linkedin_url")}
PHONE_MAX_LENGTH = _max_length("phone")
LEAD_FIELDS = ("email", *TEXT_FIELDS, "phone", *URL_FIELDS)
CUSTOM_FIELDS_MAX_KEYS = 50
CUSTOM_FIELD_NAME_MAX_LENGTH = 100
CUSTOM_FIELD_VALUE_MAX_LENGTH = 2000

# A plain ASCII address needs no more than this; anything else goes through email-validator. Public, with
# PHONE_PATTERN: the import's fast path (campaigns/importing/cleaning.py) asks the same questions.
SIMPLE_EMAIL = re.compile(
    r"^[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9])?@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_WHITESPACE = re.compile(r"\s+")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ().\-/]{3,}(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$", re.IGNORECASE)
_url_validator = URLValidator(schemes=["http", "https"])


class InvalidLead(ValueError):
    """``errors``: why the contact is refused; ``warnings``: the optional values that were bad too."""

    def __init__(self, errors, warnings=None):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors
        self.warnings = warnings or {}

    @property
    def reason(self):
        return str(self)


def warnings_text(warnings):
    """A ``CleanLead``'s warnings on one line, as ``InvalidLead.reason`` puts errors."""
    return "; ".join(f"{name}: {message}" for name, message in warnings.items())


@dataclass(frozen=True)
class CleanLead:
    email: str
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    job_title: str = ""
    phone: str = ""
    website: str = ""
    linkedin_url: str = ""
    city: str = ""
    country: str = ""
    custom_fields: dict = field(default_factory=dict)
    # Optional values left out, each field's with why; not a field of the contact.
    warnings: dict = field(default_factory=dict, compare=False)

    def as_dict(self):
        return {name: getattr(self, name) for name in (*LEAD_FIELDS, "custom_fields")}


def normalize_email(raw):
    """Trimmed, lower-cased, domain in IDNA (ASCII) form. Raises InvalidLead naming the problem."""
    email = clean_text(raw).lower()
    if not email:
        raise InvalidLead({"email": "An email address is required."})
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidLead({"email": f"An email address is at most {EMAIL_MAX_LENGTH} characters."})
    # "--" may be IDNA's reserved "ab--" label form (xn--…), which email-validator judges, not the regex.
    if SIMPLE_EMAIL.match(email) and ".." not in email and "--" not in email and not _is_special_use(email):
        return email
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidLead({"email": f"{email!r} is not a valid email address: {exc}"}) from exc
    local_part, _, _ = result.normalized.rpartition("@")
    return f"{local_part}@{result.ascii_domain}".lower()


def _is_special_use(email):
    domain = email.rpartition("@")[2]
    return any(domain == name or domain.endswith(f".{name}") for name in SPECIAL_USE_DOMAIN_NAMES)


def clean_text(value):
    """A single line: control characters dropped, runs of white space folded to one space."""
    if value is None:
        return ""
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) != "Cc" or ch in "\t\n\r")
    return _WHITESPACE.sub(" ", text).strip()


def _clean_url(value):
    url = clean_text(value)
    if not url:
        return ""
    if "://" not in url:
        url = f"https://{url}"
    _url_validator(url)
    return url


def _clean_custom_fields(value, errors):
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors["custom_fields"] = "Custom fields must be an object of names to values."
        return {}
    if len(value) > CUSTOM_FIELDS_MAX_KEYS:
        errors["custom_fields"] = f"At most {CUSTOM_FIELDS_MAX_KEYS} custom fields."
        return {}
    cleaned = {}
    for name, raw in value.items():
        key = clean_text(name)
        if not key or len(key) > CUSTOM_FIELD_NAME_MAX_LENGTH:
            errors["custom_fields"] = (
                f"Custom field names are 1 to {CUSTOM_FIELD_NAME_MAX_LENGTH} characters."
            )
            return {}
        if raw is not None and not isinstance(raw, str | int | float | bool):
            errors["custom_fields"] = f"Custom field {key!r} must be text, a number, true/false or null."
            return {}
        if isinstance(raw, str):
            raw = clean_text(raw)
            if len(raw) > CUSTOM_FIELD_VALUE_MAX_LENGTH:
                errors["custom_fields"] = (
                    f"Custom field {key!r} is longer than {CUSTOM_FIELD_VALUE_MAX_LENGTH} characters."
                )
                return {}
        cleaned[key] = raw
    return cleaned


def normalize_lead(data):
    """Validates and cleans one contact given as a mapping of lead field names to raw values. A bad email
    raises ``InvalidLead``; a bad optional value is dropped and named in the answer's ``warnings``."""
    try:
        email = normalize_email(data.get("email"))
    except InvalidLead as exc:
        refusal, email = exc, ""
    else:
        refusal = None
    errors = {}
    cleaned = {}
    for name, max_length in TEXT_FIELDS.items():
        value = clean_text(data.get(name))
        if len(value) > max_length:
            errors[name] = f"Longer than {max_length} characters."
            value = ""
        cleaned[name] = value

    phone = clean_text(data.get("phone"))
    if phone and (len(phone) > PHONE_MAX_LENGTH or not PHONE_PATTERN.match(phone)):
        errors["phone"] = f"{phone[:40]!r} is not a phone number."
        phone = ""
    cleaned["phone"] = phone

    for name, max_length in URL_FIELDS.items():
        try:
            value = _clean_url(data.get(name))
        except ValidationError:
            errors[name] = f"{clean_text(data.get(name))[:60]!r} is not a web address."
            value = ""
        if len(value) > max_length:
            errors[name] = f"Longer than {max_length} characters."
            value = ""
        cleaned[name] = value

    custom_fields = _clean_custom_fields(data.get("custom_fields"), errors)
    if refusal is not None:
        raise InvalidLead(refusal.errors, errors) from refusal
    return CleanLead(email=email, custom_fields=custom_fields, warnings=errors, **cleaned)
