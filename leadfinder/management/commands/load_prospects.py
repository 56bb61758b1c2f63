import codecs
import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from leadfinder.loading import prospects_load
from leadfinder.normalization import REQUIRED_COLUMNS, VENDOR_COLUMNS


def _header_name(raw):
    return raw.strip().lower().replace(" ", "_").replace("-", "_")


class Command(BaseCommand):
    help = (
        "Loads a data vendor's CSV of prospects (UTF-8, a header row naming the columns: "
        f"{', '.join(VENDOR_COLUMNS)}). Good rows are kept (a known email updates its prospect); "
        "each bad row is reported on stderr with its row number and reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The vendor's CSV file.")

    def handle(self, *args, file, **options):
        _require_utf8(file)
        _require_csv(file)
        try:
            # utf-8-sig: a byte-order mark, as spreadsheet programs write, is allowed.
            with file.open(encoding="utf-8-sig", newline="") as handle:
                result, ignored = self._load(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text (byte {exc.start}); save it as UTF-8.") from exc
        except csv.Error as exc:
            raise CommandError(f"{file} is not a readable CSV file: {exc}.") from exc

        if not (result.created or result.updated or result.bad_rows):
            raise CommandError("The file has a header row and no prospects: nothing to load.")
        if ignored:
            self.stderr.write(f"Ignored columns that are not prospect fields: {', '.join(ignored)}.")
        for row_number, reason in result.bad_rows:
            self.stderr.write(f"row {row_number}: {reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created:,} prospects created, {result.updated:,} updated, "
                f"{len(result.bad_rows):,} bad rows not loaded."
            )
        )

    def _load(self, handle):
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise CommandError("The file is empty: it needs a header row and prospects.")
        columns = [_header_name(cell) for cell in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise CommandError(
                f"Missing columns: {', '.join(missing)}. The header row names the columns: "
                f"{', '.join(VENDOR_COLUMNS)}."
            )
        ignored = [header[i].strip() for i, name in enumerate(columns) if name not in VENDOR_COLUMNS]
        # Row 1 is the header, as a spreadsheet numbers them.
        rows = (
            (row_number, dict(zip(columns, cells, strict=False)))
            for row_number, cells in enumerate(reader, start=2)
            if any(cell.strip() for cell in cells)
        )
        return prospects_load(rows=rows, columns=columns), ignored


def _require_utf8(file):
    """Reads the whole file once before anything is loaded: a file that is not UTF-8 loads nothing
    (rows are committed in batches, so finding it part way would leave the rows before it loaded)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        with file.open("rb") as raw:
            while block := raw.read(1 << 20):
                decoder.decode(block)
                offset += len(block)
            decoder.decode(b"", final=True)
    except OSError as exc:
        raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{file} is not UTF-8 text (near byte {offset + exc.start:,}); save it as UTF-8. "
            "Nothing was loaded."
        ) from exc


def _require_csv(file):
    """Parses the whole file once before anything is loaded, as ``_require_utf8`` decodes it: a file that
    stops being CSV part way (a quote never closed) loads nothing, not the batches before that point."""
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            for _ in reader:
                pass
        except csv.Error as exc:
            raise CommandError(
                f"{file} is not a readable CSV file (row {reader.line_num}: {exc}). Nothing was loaded."
            ) from exc
