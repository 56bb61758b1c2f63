"""What an upload is, read from its start before anything is stored (rule 17): its encoding, its
delimiter (both from the first 64 KB), its header row and a few sample rows, read whole as the import
reads them (``records``), from more of the file when a row runs past 64 KB. A file that is empty, has a
header and no data rows, or is not text at all is refused here with a message a person can act on.

Encodings: UTF-8 (with or without a BOM), UTF-16 (with a BOM, or recognised by its zero bytes) and, for
anything else that reads as text, Windows-1252, which charset-normalizer must find plausible.
Delimiters: comma, semicolon, tab or vertical bar. The first line must name the columns.
"""

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass

import charset_normalizer

from campaigns.importing.records import BrokenRow, Records, looks_like_email
from core.errors import DomainError
from leads.normalization import clean_text

SAMPLE_BYTES = 64 * 1024
SAMPLE_ROWS = 5
# A header and a first data row longer than this are refused (it holds a few cells of the 1 MB allowed).
SNIFF_MAX_BYTES = 16_000_000
# Messages name this many columns, then how many more there are.
NAMED_COLUMNS = 5
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a BOM",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 (little-endian)",
    "utf-16-be": "UTF-16 (big-endian)",
    "cp1252": "Windows-1252",
}
NOT_TEXT = (
    "This file is not a CSV text file: it looks like binary data (an Excel workbook or a zip file?). "
    "Save it as CSV and upload that."
)
# Text with more control characters than this share is binary data that happened to decode.
MAX_CONTROL_SHARE = 0.01


class FileRefused(DomainError):
    """An upload that cannot be imported: 400 ``invalid`` naming the ``file`` field."""

    def __init__(self, message, *, field="file"):
        super().__init__(message, details={field: [message]})


@dataclass(frozen=True)
class Sniffed:
    encoding: str
    delimiter: str
    headers: list
    samples: list  # the first data rows, each cut or padded to the headers' width


def sniff(fileobj):
    """Reads the start of ``fileobj`` (then rewinds it) and returns what it found, or raises FileRefused."""
    raw, truncated = _read(fileobj, SAMPLE_BYTES)
    encoding = _encoding(raw, truncated)
    text = _decoded(raw, encoding, truncated)
    if not text.strip():
        raise FileRefused("The file is empty.")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
    if controls > MAX_CONTROL_SHARE * len(text):
        raise FileRefused(NOT_TEXT)
    delimiter = _delimiter(_whole_lines(text, truncated))
    header, records = _first_records(fileobj, text, truncated, encoding, delimiter)
    if not any(cell.strip() for cell in header):
        raise FileRefused("The first line of the file is empty: it must name the columns (a header row).")
    headers = _column_names(header)
    samples = [(record + [""] * len(headers))[: len(headers)] for record in records]
    if not samples:
        raise FileRefused(f"The file has a header row ({name_columns(headers)}) and no data rows under it.")
    data_like = [name for name in headers if looks_like_email(name)]
    if data_like:
        raise FileRefused(
            f"The first line holds data ({data_like[0]}), not column names: add a header row "
            "(e.g. Email,First Name,Company) and upload the file again."
        )
    return Sniffed(encoding=encoding, delimiter=delimiter, headers=headers, samples=samples)


@dataclass(frozen=True)
class RowCount:
    rows: int
    exact: bool  # False: estimated from the rows of the first 64 KB and the file's size


def count_rows(fileobj, *, encoding, delimiter, size):
    """How many data rows the file of ``size`` bytes has (as the import counts them: empty lines are not
    rows), counted when the file fits in the sample, else estimated from the sample's rows per byte."""
    raw, truncated = _read(fileobj, SAMPLE_BYTES)
    text = _decoded(raw, encoding, truncated)
    whole = _whole_lines(text, truncated)
    rows = 0
    try:
        for record in Records(io.StringIO(whole, newline=""), delimiter=delimiter):
            rows += bool(record)
    except csv.Error:
        pass
    rows = max(rows - 1, 0)  # the header
    if not truncated or not whole:
        return RowCount(rows, exact=not truncated)
    sample_bytes = len(raw) * len(whole) / len(text)
    return RowCount(round(rows * size / sample_bytes), exact=False)


def name_columns(headers):
    """The first few column names and how many more: a message stays short whatever the header."""
    named = ", ".join(headers[:NAMED_COLUMNS])
    more = len(headers) - NAMED_COLUMNS
    return f"{named} and {more:,} more column{'s' if more > 1 else ''}" if more > 0 else named


def _read(fileobj, size):
    fileobj.seek(0)
    raw = fileobj.read(size)
    fileobj.seek(0)
    return raw, len(raw) == size


def _decoded(raw, encoding, truncated):
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw, final=not truncated)


def _whole_lines(text, truncated):
    """``text`` up to its last line end (LF or CR) when the file goes on past it."""
    end = max(text.rfind("\n"), text.rfind("\r")) if truncated else -1
    return text[: end + 1] if end != -1 else text


def _first_records(fileobj, text, truncated, encoding, delimiter):
    """The header and up to SAMPLE_ROWS data rows, whole: the sample grows (to SNIFF_MAX_BYTES) until the
    header and a first data row end in it, as a row with cells of up to 1 MB may need."""
    size = SAMPLE_BYTES
    while True:
        header, records, whole = _records(text, delimiter, truncated)
        if whole or size >= SNIFF_MAX_BYTES:
            break
        size = min(size * 16, SNIFF_MAX_BYTES)
        raw, truncated = _read(fileobj, size)
        text = _decoded(raw, encoding, truncated)
    if header is None or (not records and not whole):
        what = "header row" if header is None else "first data row"
        raise FileRefused(
            f"The {what} of the file does not end within its first {SNIFF_MAX_BYTES // 1_000_000} MB: "
            "a quote that is never closed, or rows longer than an import takes."
        )
    return header, records


def _records(text, delimiter, truncated):
    """(header, data rows, whether they are whole) read from ``text``; when the file goes on past it, its
    last record may be cut short and is left out. A row that cannot be read ends the sample: the import
    stops at it (with the reason), after the rows before it."""
    found, number = [], 0
    try:
        for record in Records(io.StringIO(text, newline=""), delimiter=delimiter):
            number += 1
            if number > 1 and (not record or record.__class__ is BrokenRow):
                continue
            found.append(record)
            if len(found) > SAMPLE_ROWS + 1:
                return found[0], found[1 : SAMPLE_ROWS + 1], True
    except csv.Error as exc:
        if len(found) < 2:
            raise FileRefused(
                f"Row {number + 1} of the file could not be read ({exc}); often a quote that is never closed."
            ) from exc
        return found[0], found[1:], True
    if truncated and found:
        found.pop()
    header = found[0] if found else None
    return header, found[1 : SAMPLE_ROWS + 1], not truncated or len(found) > 1


def _encoding(raw, truncated):
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # Mostly ASCII text in UTF-16 has a zero byte in every other place; binary data has them anywhere.
    half = len(raw) // 2
    zeros_even, zeros_odd = raw[0::2].count(0), raw[1::2].count(0)
    if zeros_odd > 0.4 * half and zeros_even < 0.05 * half:
        return "utf-16-le"
    if zeros_even > 0.4 * half and zeros_odd < 0.05 * half:
        return "utf-16-be"
    if zeros_even + zeros_odd > MAX_CONTROL_SHARE * len(raw):
        raise FileRefused(NOT_TEXT)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=not truncated)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    if charset_normalizer.from_bytes(raw, cp_isolation=["cp1252"]).best() is None:
        raise FileRefused(NOT_TEXT)
    return "cp1252"


def _delimiter(text):
    """csv.Sniffer's choice among the four, unless the header line has none of it and another one."""
    lines = text.splitlines()
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = None
    counts = {candidate: lines[0].count(candidate) for candidate in DELIMITERS}
    if delimiter is None or (counts[delimiter] == 0 and any(counts.values())):
        delimiter = max(DELIMITERS, key=counts.get)
    return delimiter


def _column_names(header):
    """Header cells as column names: cleaned, an empty one named by its place, a repeated one numbered."""
    names, used = [], set()
    for place, cell in enumerate(header, start=1):
        name = clean_text(cell.lstrip("\ufeff"))[:100] or f"Column {place}"
        candidate, copy = name, 1
        while candidate in used:
            copy += 1
            candidate = f"{name} ({copy})"
        used.add(candidate)
        names.append(candidate)
    return names


def describe(encoding, delimiter):
    return f"{ENCODING_NAMES.get(encoding, encoding)}, separated by {DELIMITER_NAMES[delimiter]}s"
