"""A row of a file to a clean contact, or the reason it is invalid, by ``leads.normalization``.

Most rows of real files are plain: no control characters, no stray white space, ASCII emails, phone
numbers and web addresses. For those, ``RowCleaner.clean`` gives what ``normalize_lead`` gives without its
per-character work; every other row goes through ``normalize_lead``, which stays the authority.
tests/campaigns/test_import_cleaning.py holds the two to the same answers.
"""

import json
import operator
import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from leads.normalization import (
    CUSTOM_FIELD_VALUE_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    LEAD_FIELDS,
    PHONE_MAX_LENGTH,
    PHONE_PATTERN,
    SIMPLE_EMAIL,
    TEXT_FIELDS,
    URL_FIELDS,
    InvalidLead,
    normalize_lead,
)

CUSTOM_PREFIX = "custom_fields."
REPLACEMENT_CHARACTER = "\ufffd"
# A web address URLValidator accepts: http(s) or no scheme, an ASCII host name, a path without spaces.
_SIMPLE_URL = re.compile(
    r"(?:https?://)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?:[/?#][^ ]*)?"
)
_SCHEMES = ("http://", "https://")
# leads.normalization's special-use check (the domain is one of these or ends with "." and one), as one
# search at the end of an address that has a single "@".
_SPECIAL_USE_DOMAIN = re.compile(
    rf"[@.](?:{'|'.join(re.escape(name) for name in SPECIAL_USE_DOMAIN_NAMES)})\Z"
)
# Short enough that the host name is within its 253 characters and "https://" still fits the field.
_SIMPLE_URL_MAX_LENGTH = 253
_MAX_LENGTH = {
    "email": EMAIL_MAX_LENGTH,
    **TEXT_FIELDS,
    "phone": PHONE_MAX_LENGTH,
    **dict.fromkeys(URL_FIELDS, _SIMPLE_URL_MAX_LENGTH),
}


class WarnedRow(tuple):
    """A cleaned row that lost optional values: ``warnings`` names each dropped field with why."""

    warnings: dict


class RowCleaner:
    """Cleans the records of one file: ``clean(row_number, record)`` returns
    ``(row_number, email, <each mapped lead field but email>, custom_fields as JSON)`` (a ``WarnedRow``
    when optional values were dropped) or raises ``InvalidLead`` (the email is missing or invalid).
    ``fields`` names the mapped lead fields, email first."""

    def __init__(self, mapping, headers, *, encoding_label=""):
        column = {header: index for index, header in enumerate(headers)}
        targets = {target: header for header, target in mapping.items()}
        self.fields = [name for name in LEAD_FIELDS if name in targets]
        self.custom = [
            (target.removeprefix(CUSTOM_PREFIX), column[header])
            for header, target in mapping.items()
            if target.startswith(CUSTOM_PREFIX)
        ]
        self.encoding_label = encoding_label
        self._field_columns = [column[targets[name]] for name in self.fields]
        columns = self._field_columns + [index for _, index in self.custom]
        getter = operator.itemgetter(*columns)
        self._values = getter if len(columns) > 1 else lambda record: (getter(record),)
        self._limits = [_MAX_LENGTH[name] for name in self.fields] + [CUSTOM_FIELD_VALUE_MAX_LENGTH] * len(
            self.custom
        )
        self._phone = self.fields.index("phone") if "phone" in self.fields else None
        self._urls = [self.fields.index(name) for name in URL_FIELDS if name in self.fields]
        self._field_count = len(self.fields)

    def clean(self, row_number, record):
        values = self._values(record)
        joined = "|".join(values)
        # Printable text without doubled, leading or trailing spaces in any value is what clean_text keeps
        # unchanged (every white space character but the space is not printable).
        plain = (
            joined.isprintable()
            and "  " not in joined
            and "| " not in joined
            and " |" not in joined
            and joined[:1] != " "
            and joined[-1:] != " "
            and REPLACEMENT_CHARACTER not in joined
            and all(map(operator.le, map(len, values), self._limits))
        )
        if not plain:
            return self.clean_by_the_book(row_number, record)
        email = values[0].lower()
        if (
            not SIMPLE_EMAIL.match(email)
            or ".." in email
            or "--" in email
            or _SPECIAL_USE_DOMAIN.search(email)
        ):
            return self.clean_by_the_book(row_number, record)
        cleaned = [row_number, email, *values[1 : self._field_count]]
        if self._phone is not None:
            phone = values[self._phone]
            if phone and not PHONE_PATTERN.match(phone):
                return self.clean_by_the_book(row_number, record)
        for index in self._urls:
            url = values[index]
            if url:
                if not _SIMPLE_URL.fullmatch(url):
                    return self.clean_by_the_book(row_number, record)
                if "://" not in url:
                    cleaned[index + 1] = f"https://{url}"
                elif not url.startswith(_SCHEMES):
                    return self.clean_by_the_book(row_number, record)
        cleaned.append(self._custom_json(values[self._field_count :]))
        return tuple(cleaned)

    def clean_by_the_book(self, row_number, record):
        """The same answer through ``normalize_lead`` itself: the authority, for any record."""
        data = {name: record[index] for name, index in zip(self.fields, self._field_columns, strict=True)}
        custom = {name: record[index] for name, index in self.custom if record[index] != ""}
        message = f"Has bytes that are not valid {self.encoding_label or 'text'} (the file's encoding)."
        if REPLACEMENT_CHARACTER in data["email"]:
            raise InvalidLead({"email": message})
        warnings = {}
        for name, value in data.items():
            if REPLACEMENT_CHARACTER in value:
                warnings[name], data[name] = message, ""
        for name, value in list(custom.items()):
            if REPLACEMENT_CHARACTER in value:
                warnings[f"{CUSTOM_PREFIX}{name}"] = message
                del custom[name]
        clean = normalize_lead({**data, "custom_fields": custom})
        values = [getattr(clean, name) for name in self.fields]
        row = (row_number, *values, json.dumps(clean.custom_fields, ensure_ascii=False))
        warnings.update(clean.warnings)
        if not warnings:
            return row
        row = WarnedRow(row)
        row.warnings = warnings
        return row

    def _custom_json(self, values):
        if not self.custom:
            return "{}"
        return json.dumps(
            {name: value for (name, _), value in zip(self.custom, values, strict=True) if value != ""},
            ensure_ascii=False,
        )
