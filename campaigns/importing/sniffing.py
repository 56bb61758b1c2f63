"""What an upload is, read from its first 64 KB before anything is stored (rule 17): its encoding, its
delimiter, its header row and a few sample rows. A file that is empty, has a header and no data rows, or
is not text at all is refused here with a message a person can act on.

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

from core.errors import DomainError
from leads.normalization import InvalidLead, clean_text, normalize_email

SAMPLE_BYTES = 64 * 1024
SAMPLE_ROWS = 5
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
    fileobj.seek(0)
    raw = fileobj.read(SAMPLE_BYTES)
    fileobj.seek(0)
    truncated = len(raw) == SAMPLE_BYTES
    encoding = _encoding(raw, truncated)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw, final=not truncated)
    if truncated and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    if not text.strip():
        raise FileRefused("The file is empty.")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
    if controls > MAX_CONTROL_SHARE * len(text):
        raise FileRefused(NOT_TEXT)
    delimiter = _delimiter(text)
    records = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(records, [])
    if not any(cell.strip() for cell in header):
        raise FileRefused("The first line of the file is empty: it must name the columns (a header row).")
    headers = _column_names(header)
    samples = []
    for record in records:
        if record and len(samples) < SAMPLE_ROWS:
            samples.append((record + [""] * len(headers))[: len(headers)])
    if not samples:
        raise FileRefused(f"The file has a header row ({', '.join(headers)}) and no data rows under it.")
    data_like = [name for name in headers if looks_like_email(name)]
    if data_like:
        raise FileRefused(
            f"The first line holds data ({data_like[0]}), not column names: add a header row "
            "(e.g. Email,First Name,Company) and upload the file again."
        )
    return Sniffed(encoding=encoding, delimiter=delimiter, headers=headers, samples=samples)


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


def looks_like_email(value):
    if "@" not in value:
        return False
    try:
        normalize_email(value)
    except InvalidLead:
        return False
    return True


def describe(encoding, delimiter):
    return f"{ENCODING_NAMES.get(encoding, encoding)}, separated by {DELIMITER_NAMES[delimiter]}s"
