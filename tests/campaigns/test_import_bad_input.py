"""Bad input, each case of issue 5: a clear refusal before anything is written, or every row in exactly
one bucket with its reason (DESIGN.md rules 11 and 17)."""

import os

import pytest

from campaigns.importing import services
from campaigns.importing.report import error_report_lines
from campaigns.importing.sniffing import FileRefused
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
    warnings,
)
from tests.factories import CampaignFactory, LeadFactory, enroll
from tests.unchanged import nothing_changes

HEADER = ["Email", "First Name", "Company"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"   \r\n\r\n", "The file is empty."),
        (b"\xef\xbb\xbf", "The file is empty."),
        (
            b"Email,First Name,Company\r\n",
            "The file has a header row (Email, First Name, Company) and no data rows",
        ),
        (os.urandom(4096), "This file is not a CSV text file"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8, "This file is not a CSV text file"),
        (
            b"Name,Company,Phone\nAnn Lee,Acme,+1 555 0100\n",
            "No column of the file holds email addresses: its headers are Name, Company, Phone.",
        ),
        (b"ann@example.com,Ann\nbob@example.com,Bob\n", "The first line holds data (ann@example.com)"),
    ],
    ids=[
        "empty",
        "blank lines",
        "only a BOM",
        "header only",
        "binary junk",
        "a zip file",
        "no email column",
        "no header",
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_at_once_and_nothing_is_written(
    workspace, content, message
):
    with nothing_changes(), pytest.raises(FileRefused) as refusal:
        start_import(workspace, content)
    assert refusal.value.message.startswith(message)
    assert refusal.value.details == {"file": [refusal.value.message]}
    assert nothing_written(workspace)


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(workspace, settings):
    settings.IMPORT_MAX_FILE_SIZE = 100
    with nothing_changes(), pytest.raises(services.FileTooLarge) as refusal:
        start_import(workspace, csv_text([HEADER, *[[f"a{n}@example.com", "A", "B"] for n in range(10)]]))
    assert refusal.value.status_code == 413
    assert refusal.value.details["limit"] == 100
    assert nothing_written(workspace)


def test_rows_with_too_many_or_too_few_columns_are_invalid_and_the_rest_imported(workspace):
    content = (
        "Email,First Name,Company\nann@example.com,Ann,Acme\nbob@example.com,Bob\n"
        "cid@example.com,Cid,C,extra\ndan@example.com\n"
    )
    job = run_import(workspace, content)

    assert buckets(job) == {**dict.fromkeys(buckets(job), 0), "created": 1, "invalid": 3}
    assert reasons(job) == {
        3: "2 columns where the header has 3.",
        4: "4 columns where the header has 3.",
        5: "1 column where the header has 3.",
    }
    assert emails(workspace) == ["ann@example.com"]


def test_quoted_line_breaks_and_delimiters_stay_inside_their_field(workspace):
    content = (
        'Email,First Name,Company\nann@example.com,Ann,"Acme,\nInc"\n"bob@example.com","Bob ""B""",Globex\n'
    )
    job = run_import(workspace, content)

    assert (job.created, job.rows_total) == (2, 2)
    assert Lead.objects.for_workspace(workspace).get(email="ann@example.com").company_name == "Acme, Inc"
    assert Lead.objects.for_workspace(workspace).get(email="bob@example.com").first_name == 'Bob "B"'


def test_a_20_kb_field_is_dropped_where_it_is_imported_and_harmless_where_it_is_not(workspace):
    big = "x" * 20_000
    content = csv_text(
        [["Email", "Company", "Notes"], ["ann@example.com", big, "a"], ["bob@example.com", "B", big]]
    )
    job = run_import(workspace, content)

    assert (job.created, job.invalid) == (2, 0)
    assert reasons(job) == {}
    assert warnings(job) == {2: "company_name: Longer than 200 characters."}
    assert emails(workspace) == ["ann@example.com", "bob@example.com"]
    assert Lead.objects.for_workspace(workspace).get(email="ann@example.com").company_name == ""


def test_a_cell_past_the_csv_modules_128_kb_does_not_stop_the_import_or_its_report(workspace):
    huge = "y" * 200_000
    rows = [["Email", "Company", "Notes"], *[[f"n{number}@example.com", "Co", "x"] for number in range(30)]]
    rows[10] = ["notes@example.com", "Co", huge]  # unmapped: harmless
    rows[20] = ["company@example.com", huge, "x"]  # mapped: the value is dropped, the rest goes on
    job = run_import(workspace, csv_text(rows))

    assert (job.status, job.created, job.invalid) == (ImportJob.Status.SUCCEEDED, 30, 0)
    assert warnings(job) == {21: "company_name: Longer than 200 characters."}
    report = "".join(error_report_lines(workspace=workspace, job=job)).splitlines()
    assert report[1] == f"21,,company_name: Longer than 200 characters.,company@example.com,{huge},x"


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "plainaddress",
        "@example.com",
        "ann@",
        "ann@@example.com",
        "ann@localhost",
        "ann..lee@example.com",
        "ann lee@example.com",
        "ann@exam_ple.com",
        "ann@-example.com",
        "ann@example.test",
        '"ann"@example.com',
        "ann@" + "x" * 250 + ".com",
        "ann@example",
        '=HYPERLINK("http://evil")',
    ],
)
def test_invalid_emails_of_every_kind_are_invalid_with_the_reason(workspace, email):
    others = [[f"ok{number}@example.com", "Ok"] for number in range(20)]
    job = run_import(workspace, csv_text([["Email", "Name"], [email, "Ann"], *others]))

    assert (job.invalid, job.created) == (1, 20)
    assert reasons(job)[2].startswith("email: ")


def test_the_same_email_in_other_case_and_spaces_is_one_contact_the_first_row_wins(workspace):
    content = "Email,First Name\nAnn@Example.com,First\n  ann@example.COM ,Second\nANN@EXAMPLE.COM,Third\n"
    job = run_import(workspace, content)

    assert buckets(job, enrolled=False) == {
        **dict.fromkeys(buckets(job, enrolled=False), 0),
        "created": 1,
        "duplicates": 2,
    }
    assert reasons(job) == {3: "Same email as row 2 of this file.", 4: "Same email as row 2 of this file."}
    assert Lead.objects.for_workspace(workspace).get().first_name == "First"


def test_windows_1252_with_accents_is_read_as_such(workspace):
    content = (
        "Email;First Name;Company\n"
        "j.muller@example.com;Jürgen;Müller & Söhne\n"
        "f.garcon@example.fr;François;Société Générale €\n"
    )
    job = run_import(workspace, content.encode("cp1252"))

    assert (job.encoding, job.delimiter, job.created) == ("cp1252", ";", 2)
    lead = Lead.objects.for_workspace(workspace).get(email="f.garcon@example.fr")
    assert (lead.first_name, lead.company_name) == ("François", "Société Générale €")


def test_utf_8_with_a_bom_keeps_its_first_header(workspace):
    job = run_import(workspace, "\ufeffEmail,First Name\nzoe@example.com,Zoë\n".encode())

    assert job.encoding == "utf-8-sig"
    assert job.headers == ["Email", "First Name"]
    assert job.mapping == {"Email": "email", "First Name": "first_name"}
    assert Lead.objects.for_workspace(workspace).get().first_name == "Zoë"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf_16_with_or_without_a_bom(workspace, encoding):
    job = run_import(workspace, "Email\tName\nzoe@example.com\tZoë\n".encode(encoding))

    assert (job.delimiter, job.created) == ("\t", 1)
    assert Lead.objects.for_workspace(workspace).get().custom_fields == {}


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_recognised(workspace, delimiter):
    content = csv_text(
        [["E-mail", "Company Name"], ["ann@example.com", "Acme; Inc, Ltd"]], delimiter=delimiter
    )
    job = run_import(workspace, content)

    assert (job.delimiter, job.created) == (delimiter, 1)
    assert Lead.objects.for_workspace(workspace).get().company_name == "Acme; Inc, Ltd"


def test_a_second_import_of_the_same_file_into_the_same_campaign_creates_nothing_twice(workspace):
    campaign = CampaignFactory(workspace=workspace)
    content = "Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\nANN@example.com,Again\nnope,X\n"
    first = run_import(workspace, content, campaign=campaign)
    second = run_import(workspace, content, campaign=campaign)

    assert buckets(first) == {
        **dict.fromkeys(buckets(first), 0),
        "created": 2,
        "enrolled": 2,
        "duplicates": 1,
        "invalid": 1,
    }
    assert buckets(second) == {
        **dict.fromkeys(buckets(second), 0),
        "already_in_campaign": 2,
        "duplicates": 1,
        "invalid": 1,
    }
    assert emails(workspace) == ["ann@example.com", "bob@example.com"]
    campaign.refresh_from_db()
    assert campaign.lead_count == 2


def test_a_second_import_of_the_same_file_into_contacts_makes_every_valid_row_a_duplicate(workspace):
    content = "Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\nANN@example.com,Again\nnope,X\n"
    run_import(workspace, content)
    second = run_import(workspace, content)

    assert buckets(second) == {**dict.fromkeys(buckets(second), 0), "duplicates": 3, "invalid": 1}
    assert reasons(second)[2] == "A contact with this email exists; left unchanged (on_duplicate=skip)."
    assert emails(workspace) == ["ann@example.com", "bob@example.com"]


def test_every_row_lands_in_one_bucket_whatever_the_mix(workspace, settings):
    settings.IMPORT_CHUNK_ROWS = 3
    campaign = CampaignFactory(workspace=workspace)
    enroll(campaign, [LeadFactory(workspace=workspace, email="in@example.com")])
    LeadFactory(workspace=workspace, email="known@example.com")
    content = csv_text(
        [
            ["Email", "Name"],
            ["new1@example.com", "a"],
            ["in@example.com", "b"],
            ["known@example.com", "c"],
            ["bad", "d"],
            ["NEW1@example.com", "e"],
            [],
            ["short"],
            ["new2@example.com", "f"],
        ]
    )
    job = run_import(workspace, content, campaign=campaign)

    assert_every_row_in_one_bucket(job)
    assert buckets(job) == {
        "created": 2,
        "updated": 1,
        "already_in_campaign": 1,
        "duplicates": 1,
        "invalid": 2,
        "over_limit": 0,
        "suppressed": 0,
        "enrolled": 3,
    }
    assert job.rows_total == 7
