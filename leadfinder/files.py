"""The CSV of a download: written once when the download is made, kept in the default storage."""

import csv
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse

from core.exports import formula_safe
from leadfinder.models import PROSPECT_FIELDS

COLUMNS = ["prospect_id", "contact_id", *PROSPECT_FIELDS]


def download_file_name(download):
    return f"leadfinder/downloads/{download.workspace_id}/{download.pk}.csv"


def write_download_csv(download, prospects, contact_of):
    """Writes the CSV of ``prospects`` (with their contact ids) and names it on ``download``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for prospect in prospects:
        row = [prospect.pk, contact_of[prospect.pk], *(getattr(prospect, name) for name in PROSPECT_FIELDS)]
        writer.writerow([formula_safe(value) for value in row])
    name = default_storage.save(download_file_name(download), ContentFile(buffer.getvalue().encode("utf-8")))
    download.file.name = name


def download_file_response(download):
    """The kept CSV as an attachment: fetching it again costs nothing."""
    return FileResponse(
        download.file.open("rb"),
        as_attachment=True,
        filename=f"leadfinder-download-{download.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )
