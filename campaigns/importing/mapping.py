"""Which column of a file becomes which lead field: the automatic mapping of common header names, and
the checks of a mapping a person or an integration gave (``mapping``: CSV header → lead field, or
``custom_fields.<name>``; a column not named is not imported)."""

import re

from campaigns.importing.cleaning import CUSTOM_PREFIX
from campaigns.importing.records import looks_like_email
from campaigns.importing.sniffing import FileRefused, name_columns
from leads.normalization import (
    CUSTOM_FIELD_NAME_MAX_LENGTH,
    CUSTOM_FIELDS_MAX_KEYS,
    LEAD_FIELDS,
    clean_text,
)

FIELD_LABELS = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "company_name": "Company",
    "job_title": "Job title",
    "phone": "Phone",
    "website": "Website",
    "linkedin_url": "LinkedIn URL",
    "city": "City",
    "country": "Country",
}
# Header names (lower case, letters and digits only) that say which field a column holds.
_ALIASES = {
    "email": "email emailaddress emailaddr mail email1 workemail businessemail emailid primaryemail",
    "first_name": "firstname first givenname forename fname",
    "last_name": "lastname last surname familyname lname",
    "company_name": "company companyname organization organisation organizationname account accountname "
    "employer business",
    "job_title": "title jobtitle position role designation jobrole",
    "phone": "phone phonenumber telephone tel mobile mobilephone mobilenumber cell cellphone workphone "
    "directphone",
    "website": "website web url companywebsite companyurl domain companydomain site homepage",
    "linkedin_url": "linkedin linkedinurl linkedinprofile linkedinprofileurl personlinkedinurl linkedinlink",
    "city": "city town locality",
    "country": "country countryname nation",
}
ALIASES = {alias: name for name, aliases in _ALIASES.items() for alias in aliases.split()}
_NOT_LETTERS = re.compile(r"[^a-z0-9]")


def _key(header):
    return _NOT_LETTERS.sub("", header.lower())


def automatic_mapping(headers, samples):
    """Maps each column whose header is a common name of a lead field (the first such column per field).
    Without an email header, a column whose sample values are mostly email addresses is the email."""
    mapping = {}
    for header in headers:
        name = ALIASES.get(_key(header))
        if name and name not in mapping.values():
            mapping[header] = name
    if "email" not in mapping.values():
        for place, header in enumerate(headers):
            values = [row[place] for row in samples if row[place].strip()]
            if header not in mapping and values and sum(map(looks_like_email, values)) * 2 > len(values):
                mapping[header] = "email"
                break
    return mapping


def keep_other_columns(mapping, headers):
    """``mapping`` plus every column it leaves out, as a custom field named by its header."""
    kept = dict(mapping)
    for header in headers:
        kept.setdefault(header, f"{CUSTOM_PREFIX}{header}")
    return kept


def validate_mapping(mapping, headers):
    """Checks a mapping given by a person or an integration; returns it without its skipped columns
    (target empty or null). Raises FileRefused (400 ``invalid`` on ``mapping``) naming each problem."""
    if not isinstance(mapping, dict):
        raise FileRefused(
            'The mapping is an object of CSV headers to lead fields, e.g. {"E-mail": "email"}.',
            field="mapping",
        )
    problems, targets = [], {}
    for header, target in mapping.items():
        if target in (None, ""):
            continue
        if header not in headers:
            problems.append(f"{header!r} is not a column of the file (its columns: {name_columns(headers)}).")
        elif not isinstance(target, str) or not _is_target(target):
            problems.append(
                f"{target!r} (for {header!r}) is not a lead field: use one of {', '.join(LEAD_FIELDS)} "
                f"or custom_fields.<name>."
            )
        elif target in targets.values():
            problems.append(f"{target!r} is given to more than one column.")
        else:
            targets[header] = target
    custom = [target for target in targets.values() if target.startswith(CUSTOM_PREFIX)]
    if len(custom) > CUSTOM_FIELDS_MAX_KEYS:
        problems.append(f"At most {CUSTOM_FIELDS_MAX_KEYS} columns can become custom fields.")
    if problems:
        raise FileRefused(" ".join(problems), field="mapping")
    return targets


def require_email(mapping, headers, *, field="file"):
    if "email" not in mapping.values():
        raise FileRefused(
            f"No column of the file holds email addresses: its headers are {name_columns(headers)}. "
            'Name the email column in the mapping, e.g. {"' + headers[0] + '": "email"}.',
            field=field,
        )


def _is_target(target):
    if target in LEAD_FIELDS:
        return True
    name = target.removeprefix(CUSTOM_PREFIX)
    return (
        target.startswith(CUSTOM_PREFIX)
        and 0 < len(name) <= CUSTOM_FIELD_NAME_MAX_LENGTH
        and clean_text(name) == name
    )
