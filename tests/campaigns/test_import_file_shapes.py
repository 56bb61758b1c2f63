"""Files as spreadsheets and people write them: CR line endings ("CSV (Macintosh)"), rows and headers far
past the first 64 KB, and quotes that are never closed. Each is imported row by row with every row in one
bucket (DESIGN.md rule 11), or refused at once, clearly, with nothing written (rule 17)."""

import csv
import io

import pytest

from campaigns.importing import FIELD_MAX_CHARACTERS, sniffing
from campaigns.importing.cleaning import RowCleaner
from campaigns.importing.reading import read_chunks
from campaigns.importing.report import error_report_lines
from campaigns.importing.sniffing import FileRefused, sniff
from campaigns.models import ImportJob
from leads.models import Lead
from tests.campaigns.import_helpers import (
    assert_every_row_in_one_bucket,
    buckets,
    csv_text,
    emails,
    nothing_written,
    reasons,
    run_import,
    start_import,
)

UNBALANCED = (
    "unbalanced quote: the quote opened on line {} of the file is not closed before the rows under it"
)


def report(job):
    return list(csv.reader(io.StringIO("".join(error_report_lines(workspace=job.workspace, job=job)))))


def rows_read(content, *, chunk_rows=1_000, resume_after=0):
    """(row number, record or reason) of each data row, as the import's reader reads ``content`` (bytes)."""
    found = sniff(io.BytesIO(content))
    cleaner = RowCleaner({found.headers[0]: "email"}, found.headers)
    chunks = read_chunks(
        io.BytesIO(content),
        encoding=found.encoding,
        delimiter=found.delimiter,
        width=len(found.headers),
        cleaner=cleaner,
        chunk_rows=chunk_rows,
        resume_after=resume_after,
    )
    read = {}
    for chunk in chunks:
        if not chunk.replay:
            read.update((row[0], row[1]) for row in chunk.rows)
            read.update((number, reason) for number, _, reason in chunk.skipped)
    return dict(sorted(read.items()))


# CR line endings


def test_a_file_with_cr_line_endings_imports_every_row(workspace):
    content = b"Email,First Name,Company\rann@example.com,Ann,Acme\rbob@example.com,Bob,Globex\rnope,X,Y\r"
    job = run_import(workspace, content)

    assert job.status == ImportJob.Status.SUCCEEDED
    assert buckets(job) == {**dict.fromkeys(buckets(job), 0), "created": 2, "invalid": 1}
    assert_every_row_in_one_bucket(job)
    assert job.rows_total == 3
    assert reasons(job) == {4: reasons(job)[4]} and reasons(job)[4].startswith("email: ")
    assert report(job)[1] == ["4", reasons(job)[4], "", "nope", "X", "Y"]
    assert emails(workspace) == ["ann@example.com", "bob@example.com"]


def test_a_lone_cr_ends_a_row_for_the_sniffer_and_the_reader_alike(workspace):
    content = b"Email,Name\nann@example.com,Ann\rbob@example.com,Bob\r\ncid@example.com,Cid\n"

    assert sniff(io.BytesIO(content)).samples == [
        ["ann@example.com", "Ann"],
        ["bob@example.com", "Bob"],
        ["cid@example.com", "Cid"],
    ]
    assert rows_read(content) == {2: "ann@example.com", 3: "bob@example.com", 4: "cid@example.com"}
    job = run_import(workspace, content)
    assert (job.created, job.rows_total) == (3, 3)


def test_a_lone_cr_inside_quotes_stays_in_its_cell(workspace):
    content = b'Email,Company,Note\rann@example.com,"Acme\rInc","a\rb"\rbob@example.com,Globex,c\r'

    assert sniff(io.BytesIO(content)).samples[0] == ["ann@example.com", "Acme\rInc", "a\rb"]
    job = run_import(workspace, content, keep_other_columns=True)

    assert (job.created, job.invalid, job.rows_total) == (2, 0, 2)
    ann = Lead.objects.for_workspace(workspace).get(email="ann@example.com")
    # Cells are single lines once normalised: the CR is white space there, as a quoted LF is.
    assert (ann.company_name, ann.custom_fields) == ("Acme Inc", {"Note": "a b"})


def test_a_cr_file_with_no_data_rows_is_refused_and_nothing_is_written(workspace):
    with pytest.raises(FileRefused) as refusal:
        start_import(workspace, b"Email,First Name\r\r\r")

    assert refusal.value.message.startswith("The file has a header row (Email, First Name) and no data rows")
    assert nothing_written(workspace)


# Rows and headers past the first 64 KB


@pytest.mark.parametrize("length", [100_000, FIELD_MAX_CHARACTERS - 100])
def test_a_first_data_row_past_64_kb_is_read_whole(workspace, length):
    notes = "n" * length
    content = csv_text(
        [["Notes", "Email", "First Name"], [notes, "ann@example.com", "Ann"], ["x", "bob@example.com", "Bob"]]
    )

    found = sniff(io.BytesIO(content.encode()))
    assert found.samples == [[notes, "ann@example.com", "Ann"], ["x", "bob@example.com", "Bob"]]
    job = run_import(workspace, content)
    assert (job.status, job.created, job.rows_total) == (ImportJob.Status.SUCCEEDED, 2, 2)
    assert job.mapping == {"Email": "email", "First Name": "first_name"}


def test_a_header_of_100000_columns_is_named_in_a_short_message(workspace):
    header = [f"Column {number}" for number in range(100_000)]
    content = csv_text([header, [f"value {number}" for number in range(100_000)]])

    with pytest.raises(FileRefused) as refusal:
        start_import(workspace, content)

    assert refusal.value.message.startswith(
        "No column of the file holds email addresses: its headers are Column 0, Column 1, Column 2, "
        "Column 3, Column 4 and 99,995 more columns."
    )
    assert len(refusal.value.message) < 300
    assert nothing_written(workspace)


def test_a_header_of_100000_columns_without_data_rows_is_named_in_a_short_message(workspace):
    with pytest.raises(FileRefused) as refusal:
        start_import(workspace, ",".join(f"Column {number}" for number in range(100_000)) + "\n")

    assert refusal.value.message == (
        "The file has a header row (Column 0, Column 1, Column 2, Column 3, Column 4 and 99,995 more "
        "columns) and no data rows under it."
    )
    assert nothing_written(workspace)


def test_a_mapping_naming_an_unknown_column_names_a_wide_files_columns_briefly(workspace):
    header = ["Email", *[f"Column {number}" for number in range(1, 100_000)]]
    content = csv_text([header, ["ann@example.com", *["x"] * 99_999]])

    with pytest.raises(FileRefused) as refusal:
        start_import(workspace, content, mapping={"E-mail": "email"})

    assert refusal.value.message == (
        "'E-mail' is not a column of the file (its columns: Email, Column 1, Column 2, Column 3, Column 4 "
        "and 99,995 more columns)."
    )
    assert nothing_written(workspace)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ("Email," + "x," * 1_100_000 + "\nann@example.com,a\n", "header row"),
        ("Email,Notes\nann@example.com," + "x," * 1_100_000 + "\n", "first data row"),
    ],
)
def test_a_header_or_first_row_longer_than_the_sniffer_reads_is_refused(
    workspace, monkeypatch, content, what
):
    monkeypatch.setattr(sniffing, "SNIFF_MAX_BYTES", 2_000_000)

    with pytest.raises(FileRefused) as refusal:
        start_import(workspace, content)

    assert refusal.value.message == (
        f"The {what} of the file does not end within its first 2 MB: a quote that is never closed, or rows "
        "longer than an import takes."
    )
    assert nothing_written(workspace)


def test_a_first_data_row_with_a_cell_over_1_mb_is_refused_saying_so(workspace):
    with pytest.raises(FileRefused) as refusal:
        start_import(workspace, "Email,Notes\nann@example.com," + "x" * (FIELD_MAX_CHARACTERS + 1) + "\n")

    assert refusal.value.message == (
        f"Row 2 of the file could not be read (field larger than field limit ({FIELD_MAX_CHARACTERS})); "
        "often a quote that is never closed."
    )
    assert nothing_written(workspace)


# Quotes never closed


def test_a_quote_never_closed_makes_its_row_invalid_and_the_rows_under_it_are_imported(workspace):
    content = (
        "Email,Name,Company\n"
        "ann@example.com,Ann,Acme\n"
        'bob@example.com,"Bob,Globex\n'
        "cid@example.com,Cid,Initech\n"
        "dee@example.com,Dee,Hooli\n"
    )
    job = run_import(workspace, content)

    assert job.status == ImportJob.Status.SUCCEEDED
    assert buckets(job) == {**dict.fromkeys(buckets(job), 0), "created": 3, "invalid": 1}
    assert_every_row_in_one_bucket(job)
    assert job.rows_total == 4
    assert reasons(job)[3].startswith(UNBALANCED.format(3))
    assert report(job)[1] == ["3", reasons(job)[3], "", "bob@example.com", "Bob,Globex"]
    assert emails(workspace) == ["ann@example.com", "cid@example.com", "dee@example.com"]


def test_each_quote_never_closed_is_reported_on_its_line_after_a_multi_line_cell(workspace):
    content = (
        "Email,First Name\r\n"
        'ann@example.com,"Ann\r\nof two lines"\r\n'
        'bob@example.com,"Bob\r\n'
        'cid@example.com,"Cid\r\n'
        "dee@example.com,Dee\r\n"
    )
    job = run_import(workspace, content)

    assert buckets(job) == {**dict.fromkeys(buckets(job), 0), "created": 2, "invalid": 2}
    assert_every_row_in_one_bucket(job)
    assert [reason[: len(UNBALANCED.format(4))] for reason in reasons(job).values()] == [
        UNBALANCED.format(4),
        UNBALANCED.format(5),
    ]
    assert list(reasons(job)) == [3, 4]
    assert Lead.objects.for_workspace(workspace).get(email="ann@example.com").first_name == "Ann of two lines"
    assert [row[:1] + row[3:] for row in report(job)[1:]] == [
        ["3", "bob@example.com", "Bob"],
        ["4", "cid@example.com", "Cid"],
    ]


def test_a_quote_never_closed_that_runs_past_the_cell_limit_loses_no_row():
    rows = [[f"lead{number}@example.com", f"Lead {number}"] for number in range(40_000)]
    content = ("Email,Name\n" + 'ann@example.com,"Ann\n' + csv_text(rows)).encode()
    assert len(content) > FIELD_MAX_CHARACTERS

    read = rows_read(content, chunk_rows=7_000)

    assert read[2].startswith(UNBALANCED.format(2))
    assert list(read) == list(range(2, 40_003))
    assert read[40_002] == "lead39999@example.com"


def test_a_job_resumed_after_a_quote_never_closed_reads_the_same_rows():
    content = (
        "Email,Name\n"
        + "".join(f"a{number}@example.com,A\n" for number in range(5))
        + 'bob@example.com,"Bob\n'
        + "".join(f"c{number}@example.com,C\n" for number in range(5))
    ).encode()

    whole = rows_read(content, chunk_rows=3)
    resumed = rows_read(content, chunk_rows=3, resume_after=8)

    assert whole[7].startswith(UNBALANCED.format(7))
    assert resumed == {number: value for number, value in whole.items() if number > 8}
    assert list(resumed) == list(range(9, 13))


@pytest.mark.parametrize(
    ("content", "address"),
    [
        (
            'Email,Address\nann@example.com,"12 Main St\nSpringfield, IL 62701"\nbob@example.com,x\n',
            "12 Main St Springfield, IL 62701",
        ),
        (
            'First Name,Address,Email\nAnn,"12 Main St\nSuite 4, Floor 2\nSpringfield, IL",ann@example.com\n'
            "Bob,x,bob@example.com\n",
            "12 Main St Suite 4, Floor 2 Springfield, IL",
        ),
        (
            'Email,Address\r\nann@example.com,"c/o Acme\r\nbob@example.com, front desk"\r\n'
            "bob@example.com,x\r\n",
            "c/o Acme bob@example.com, front desk",
        ),
        (
            'Email,Address\rann@example.com,"first call\r""ok"", said\rcid@example.com"\rbob@example.com,x\r',
            'first call "ok", said cid@example.com',
        ),
    ],
    ids=["two lines", "three lines, email last", "a line with an email, CR LF", "CR"],
)
def test_a_quoted_cell_of_several_lines_is_one_cell_not_an_unbalanced_quote(workspace, content, address):
    job = run_import(workspace, content, keep_other_columns=True)

    assert (job.status, job.created, job.invalid, job.rows_total) == (ImportJob.Status.SUCCEEDED, 2, 0, 2)
    ann = Lead.objects.for_workspace(workspace).get(email="ann@example.com")
    assert ann.custom_fields == {"Address": address}
