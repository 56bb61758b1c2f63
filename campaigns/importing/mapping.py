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
# Header names (the header's words in lower case, joined) that say which field a column holds, the
# better name first: when several columns could take a field, the one with the earliest name here wins
# (a direct or mobile line over a switchboard, "Job Title" over Outlook's "Title" salutation), and
# between equal names the leftmost column. A company's own LinkedIn page, phone, city or email status is
# not the person's, so those headers are not names of a lead field.
_ALIASES = {
    "email": "email emailaddress workemail businessemail emailwork primaryemail email1 email1value emailaddr "
    "emailid mail emailhome emailother",
    "first_name": "firstname givenname first forename fname",
    "last_name": "lastname familyname surname last lname",
    "company_name": "companynameforemails companyname company organizationname organisationname "
    "organization organisation organization1name companyaccount accountname account employer business",
    "job_title": "jobtitle title position role designation jobrole organizationtitle organization1title",
    "phone": "workdirectphone directphone mobilephone mobile mobilephonenumber mobilenumber phonemobile "
    "cellphone cell phone phonenumber phonework workphone businessphone telephone tel phone1value",
    "website": "website companywebsite websiteurl webpage web url site homepage website1value domain "
    "companydomain companyurl",
    "linkedin_url": "linkedinurl personlinkedinurl linkedinprofileurl linkedinprofile linkedin linkedinlink "
    "profileurl",
    "city": "city mailingcity businesscity address1city town locality",
    "country": "country countryregion mailingcountry businesscountryregion businesscountry address1country "
    "countryname nation",
}
# Header name → (lead field, rank): a lower rank is a better name for the field.
ALIASES = {
    alias: (name, rank) for name, aliases in _ALIASES.items() for rank, alias in enumerate(aliases.split())
}
# Words that only say whose the column is ("Person - Email - Work", "contactEmail").
_OWNER_WORDS = {"person", "contact", "lead", "prospect"}
_CASE_CHANGE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[a-z0-9]+")


def _words(header):
    """camelCase, separators (" - ", "/", "_", ".", spaces) and parentheses all split words."""
    return _WORD.findall(_CASE_CHANGE.sub(" ", header).lower())


def _alias(header):
    """(lead field, rank) the header names, or None."""
    words = _words(header)
    found = ALIASES.get("".join(words))
    if found is None and len(words) > 1 and words[0] in _OWNER_WORDS:
        found = ALIASES.get("".join(words[1:]))
    return found


def automatic_mapping(headers, samples):
    """Maps each column whose header is a common name of a lead field; of the columns naming the same
    field, the best name wins, then the leftmost column. Without an email header, a column whose sample
    values are mostly email addresses is the email."""
    best = {}
    for place, header in enumerate(headers):
        found = _alias(header)
        if found and (found[0] not in best or (found[1], place) < best[found[0]][0]):
            best[found[0]] = ((found[1], place), header)
    mapping = {header: name for name, (_, header) in sorted(best.items(), key=lambda item: item[1][0][1])}
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
