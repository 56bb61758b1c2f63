"""Writes of the suppression list that reach beyond adding one value: an unsubscribe (which ends sequences
too) and an uploaded file.

Adding and removing entries is ``leads.services`` (the list lives with the contacts, below every door
that checks it); this module holds what needs campaigns, or reads a file, as well.
"""

import codecs
import csv
import io
from dataclasses import dataclass

from django.db import transaction

from accounts.models import Workspace
from campaigns import services as campaign_services
from campaigns.models import Enrollment
from core.errors import DomainError
from leads import services as lead_services
from leads.models import Lead, Suppression
from leads.services import SuppressionResult


@dataclass(frozen=True)
class Unsubscribed:
    """``email``: the address now on the list; ``ended``: live enrollments this call ended."""

    email: str
    ended: int


@transaction.atomic
def lead_unsubscribe(*, workspace: Workspace, lead: Lead) -> Unsubscribed:
    """Rule 21: the contact's address goes on the workspace's suppression list (reason unsubscribed) and
    its live enrollments in every campaign of the workspace end as ``unsubscribed``. Idempotent: a second
    call finds the entry and nothing live, and changes nothing."""
    lead_services.suppression_add(
        workspace=workspace, values=[lead.email], reason=Suppression.Reason.UNSUBSCRIBED
    )
    ended = campaign_services.enrollments_finish(
        workspace=workspace, lead_ids=[lead.pk], status=Enrollment.Status.UNSUBSCRIBED
    )
    return Unsubscribed(email=lead.email, ended=ended)


# A file of 10,000 addresses is a few hundred KB; anything much larger is not a suppression list.
UPLOAD_MAX_BYTES = 2 * 1024 * 1024
HEADER_NAMES = {
    "email",
    "e-mail",
    "email address",
    "e-mail address",
    "emails",
    "domain",
    "domains",
    "website",
}


def _decoded(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def suppression_file_values(data: bytes) -> list[tuple[int, str]]:
    """``(row_number, value)`` of each non-empty cell to add from an uploaded CSV: its one column, or the
    columns its header row names email or domain. ``DomainError`` saying what is wrong with the file."""
    if len(data) > UPLOAD_MAX_BYTES:
        raise DomainError(
            f"The file is over {UPLOAD_MAX_BYTES // (1024 * 1024)} MB: upload up to 10,000 values."
        )
    text = _decoded(data)
    if "\x00" in text:
        raise DomainError("This is not a CSV file: upload a text file of emails or domains, one a line.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise DomainError(f"The file is not valid CSV: {exc}.") from exc
    rows = [(number, row) for number, row in enumerate(records, start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise DomainError("The file is empty: upload emails or domains, one a line.")
    _, first = rows[0]
    named = [place for place, cell in enumerate(first) if cell.strip().lower() in HEADER_NAMES]
    if named:
        rows = rows[1:]
    elif max(len(row) for _, row in rows) > 1:
        raise DomainError(
            "The file has several columns and none is named email or domain: name the column to add, "
            "or upload a file with one column."
        )
    else:
        named = [0]
    return [
        (number, row[place].strip())
        for number, row in rows
        for place in named
        if place < len(row) and row[place].strip()
    ]


@transaction.atomic
def suppressions_upload(*, workspace: Workspace, data: bytes) -> tuple[SuppressionResult, list[int]]:
    """Adds the emails and domains of an uploaded CSV (reason ``import``): all the valid ones, or, for a
    file that cannot be read or holds more than 10,000 values, none (``DomainError``). Returns the result
    and the file's row number of each value, by index, for the invalid ones' report."""
    values = suppression_file_values(data)
    if not values:
        raise DomainError("The file has no emails or domains to add.")
    result = lead_services.suppression_add(
        workspace=workspace, values=[value for _, value in values], reason=Suppression.Reason.IMPORT
    )
    return result, [number for number, _ in values]
