"""Streams a stored file as chunks of cleaned rows; memory holds a few chunks, whatever the file's size.

Row numbers are the file's records counted the way a spreadsheet shows them: the header is row 1, the
first data row is row 2, a quoted line break does not start a new row. Empty lines are not rows. Lines
end with LF, CR LF or a lone CR (Excel for Mac's "CSV (Macintosh)").

A quote that is never closed is caught by ``records.Records``: its row is invalid (``unbalanced quote``)
and the rows it would have swallowed are read as rows.
"""

import csv
import io
import queue
import threading
from dataclasses import dataclass, field

from campaigns.importing.cleaning import WarnedRow
from campaigns.importing.records import BrokenRow, Records
from campaigns.models import ImportSkippedRow
from core.pages import plural
from leads.normalization import InvalidLead, warnings_text

INVALID = ImportSkippedRow.Bucket.INVALID
DUPLICATES = ImportSkippedRow.Bucket.DUPLICATES


class UnreadableFile(Exception):
    """The file stops being CSV part way (e.g. a quote that is never closed)."""


def same_email_as(row_number):
    return f"Same email as row {row_number} of this file."


@dataclass
class Chunk:
    """Consecutive data rows: the first row of each email among them, cleaned, in file order, and the
    rows that are invalid or repeat an email of an earlier row of the chunk, with the reason.

    A ``replay`` chunk re-reads rows that were committed before a restart: only its rows (which emails
    the file already had, and where) are used. ``payload`` is the rows as the writer takes them, made
    in the reading thread (``prepared``).
    """

    replay: bool
    rows: list = field(default_factory=list)
    payload: object = None
    skipped: list = field(default_factory=list)  # (row_number, bucket, reason)
    warned: list = field(default_factory=list)  # (row_number, the optional values dropped, with why)
    rows_read: int = 0
    invalid: int = 0
    duplicates: int = 0
    last_row_number: int = 0
    bytes_read: int = 0


def read_chunks(raw, *, encoding, delimiter, width, cleaner, chunk_rows, resume_after=0):
    """Yields the ``Chunk``s of the binary file ``raw`` after its header, ``chunk_rows`` rows each. Rows up
    to ``resume_after`` come in replay chunks, the last of which ends at that row."""
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    reader = iter(Records(text, delimiter=delimiter))
    clean = cleaner.clean
    number = 1
    try:
        next(reader, None)
        chunk, first_row = Chunk(replay=resume_after > 1), {}
        for record in reader:
            number += 1
            if chunk.replay and number > resume_after:
                chunk.last_row_number, chunk.bytes_read = number - 1, raw.tell()
                yield chunk
                chunk, first_row = Chunk(replay=False), {}
            if len(record) != width or record.__class__ is BrokenRow:
                if not record:
                    continue
                chunk.invalid += 1
                if record.__class__ is BrokenRow:
                    reason = record.reason
                else:
                    reason = f"{plural(len(record), 'column')} where the header has {width}."
                chunk.skipped.append((number, INVALID, reason))
            else:
                try:
                    row = clean(number, record)
                except InvalidLead as exc:
                    chunk.invalid += 1
                    chunk.skipped.append((number, INVALID, exc.reason))
                else:
                    first = first_row.setdefault(row[1], number)
                    if first == number:
                        chunk.rows.append(row)
                        if row.__class__ is WarnedRow:
                            chunk.warned.append((number, warnings_text(row.warnings)))
                    else:
                        chunk.duplicates += 1
                        chunk.skipped.append((number, DUPLICATES, same_email_as(first)))
            chunk.rows_read += 1
            if chunk.rows_read >= chunk_rows:
                chunk.last_row_number, chunk.bytes_read = number, raw.tell()
                yield chunk
                chunk, first_row = Chunk(replay=number < resume_after), {}
    except csv.Error as exc:
        raise UnreadableFile(
            f"Row {number + 1} could not be read ({exc}); often a quote that is never closed."
        ) from exc
    chunk.last_row_number, chunk.bytes_read = number, raw.tell()
    yield chunk


def prepared(chunks, prepare):
    """The chunks with their ``payload`` made by ``prepare(rows)`` (and the rows let go), for a chunk
    that has rows."""
    for chunk in chunks:
        if chunk.rows:
            chunk.payload, chunk.rows = prepare(chunk.rows), []
        yield chunk


_END = object()
# While the caller waits for the next chunk, ``waiting`` is called this often.
WAITING_EVERY = 1.0


class ChunkProducer:
    """Reads chunks in a thread of its own while the caller writes earlier ones, so that Python and the
    database work at the same time. At most ``ahead`` chunks wait: memory does not grow with the file.
    ``waiting`` (if given) is called every ``WAITING_EVERY`` seconds the caller waits for a chunk."""

    def __init__(self, chunks, ahead=2, waiting=None):
        self._chunks = chunks
        self._waiting = waiting
        self._queue = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="import-reader", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def __iter__(self):
        while (item := self._next()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item

    def _next(self):
        while True:
            try:
                return self._queue.get(timeout=WAITING_EVERY if self._waiting else None)
            except queue.Empty:
                self._waiting()

    def _produce(self):
        try:
            for chunk in self._chunks:
                if not self._put(chunk):
                    return
            self._put(_END)
        except Exception as exc:
            self._put(exc)

    def _put(self, item):
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False
