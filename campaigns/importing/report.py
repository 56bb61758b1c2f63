"""The error report of an import: every row not imported (invalid, duplicate, over the active-leads
limit) and every row imported without some of its optional values, with ``row_number``, ``reason``,
``warnings`` (the values dropped, with why) and then the row's original columns, read again from the stored
file. Once that file is deleted (``IMPORT_FILE_RETENTION_DAYS`` after the import), the row numbers and
reasons alone. A cell a spreadsheet would run as a formula is prefixed with ``'`` (rule 17)."""

import csv
import io

from django.http import StreamingHttpResponse

from campaigns.importing.records import Records
from campaigns.importing.selectors import skipped_rows
from core.exports import formula_safe

# Skipped rows read per query.
REASONS_BATCH = 2_000


class _Line:
    """A file that hands back what csv.writer writes to it, one line at a time."""

    def write(self, text):
        return text


def _stored_file(job):
    """The job's stored file, open, or None once it was deleted (``IMPORT_FILE_RETENTION_DAYS``), even
    by a purge that ran after the job was read."""
    if not job.file:
        return None
    try:
        return job.file.open("rb")
    except FileNotFoundError:
        return None


def _reasons(*, workspace, job):
    """The job's skipped rows as (row_number, reason, warnings), in order, read ``REASONS_BATCH`` at a time
    from after the last row read (keyset, on the (job, row_number) index). Not ``.iterator()``: without
    server-side cursors (DISABLE_SERVER_SIDE_CURSORS, for PgBouncer) that reads the whole result at once."""
    rows = skipped_rows(workspace=workspace, job=job).values_list("row_number", "reason", "warnings")
    last = 0
    while True:
        batch = list(rows.filter(row_number__gt=last)[:REASONS_BATCH])
        yield from batch
        if len(batch) < REASONS_BATCH:
            return
        last = batch[-1][0]


def error_report_lines(*, workspace, job):
    """Yields the report's CSV lines; memory holds one row of the file and one batch of reasons."""
    writer = csv.writer(_Line())
    reasons = _reasons(workspace=workspace, job=job)
    stored = _stored_file(job)
    if stored is None:
        yield writer.writerow(["row_number", "reason", "warnings"])
        for number, reason, warnings in reasons:
            yield writer.writerow([number, formula_safe(reason), formula_safe(warnings)])
        return
    with stored as raw:
        yield writer.writerow(
            [formula_safe(cell) for cell in ["row_number", "reason", "warnings", *job.headers]]
        )
        wanted = next(reasons, None)
        if wanted is None:
            return
        text = io.TextIOWrapper(raw, encoding=job.encoding, errors="replace", newline="")
        number = 0
        # Read as the import read it, so that the row numbers agree (a quote never closed included).
        try:
            for record in Records(text, delimiter=job.delimiter):
                number += 1
                if wanted[0] == number:
                    yield writer.writerow(
                        [formula_safe(cell) for cell in [number, wanted[1], wanted[2], *record]]
                    )
                    wanted = next(reasons, None)
                    if wanted is None:
                        return
        except csv.Error:
            # Where the file stops being CSV the import stopped too: every reported row came before it.
            return


def error_report_response(workspace, job):
    response = StreamingHttpResponse(
        error_report_lines(workspace=workspace, job=job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response
