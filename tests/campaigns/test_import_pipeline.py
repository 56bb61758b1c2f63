"""The import job: chunks, buckets, enrolment under the active-leads limit, the checkpoint that makes a
restarted job finish with an uninterrupted run's counts (rule 14), cancelling, the report, the email."""

import csv
import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command

from billing import selectors as billing_selectors
from billing.models import LedgerEntry, Quota
from campaigns import services as campaign_services
from campaigns.importing import FIELD_MAX_CHARACTERS, services
from campaigns.importing.pipeline import ImportRun, run_import_job
from campaigns.importing.report import error_report_lines
from campaigns.models import Campaign, Enrollment, ImportJob, ImportSkippedRow
from campaigns.selectors import active_leads_used_by_enrollments
from core.errors import Conflict, DomainError
from leads.models import Lead
from tests.campaigns.import_helpers import (
    Killed,
    assert_every_row_in_one_bucket,
    buckets,
    csv_text,
    kill_after,
    known_contacts,
    mixed_file,
    reasons,
    run_after_its_worker_died,
    run_import,
    start_import,
    uninterrupted_and_started,
    warnings,
    with_active_leads_limit,
)
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, enroll, owner_of


def assert_audit_clean():
    call_command("audit_quotas")


def test_a_job_reads_the_file_in_chunks_and_commits_each(workspace, settings):
    settings.IMPORT_CHUNK_ROWS = 7
    known_contacts(workspace)
    job = run_import(
        workspace,
        mixed_file(),
        mapping={"Email": "email", "First Name": "first_name", "Company": "company_name"},
    )

    assert job.status == ImportJob.Status.SUCCEEDED
    assert_every_row_in_one_bucket(job)
    assert (job.rows_total, job.progress, job.error) == (60, 1.0, "")
    # 9 broken rows; 3 repeats of an earlier row (2 of them in a later chunk) and 4 known contacts.
    assert buckets(job) == {
        "created": 44,
        "updated": 0,
        "already_in_campaign": 0,
        "duplicates": 3 + 4,
        "invalid": 9,
        "over_limit": 0,
        "suppressed": 0,
        "enrolled": 0,
    }
    assert Lead.objects.for_workspace(workspace).get(email="known0@example.com").company_name == "Old Co"
    assert job.started_at <= job.finished_at


def test_on_duplicate_update_sets_the_files_non_empty_values_and_merges_custom_fields(workspace):
    lead = LeadFactory(
        workspace=workspace,
        email="ann@example.com",
        first_name="Ann",
        company_name="Old",
        custom_fields={"tier": "1"},
    )
    content = "Email,First Name,Company,Plan\nann@example.com,,New Co,gold\nbob@example.com,Bob,,\n"
    job = run_import(
        workspace,
        content,
        on_duplicate="update",
        mapping={
            "Email": "email",
            "First Name": "first_name",
            "Company": "company_name",
            "Plan": "custom_fields.plan",
        },
    )

    assert (job.created, job.updated) == (1, 1)
    lead.refresh_from_db()
    assert (lead.first_name, lead.company_name) == ("Ann", "New Co")
    assert lead.custom_fields == {"tier": "1", "plan": "gold"}
    assert lead.source == Lead.Source.MANUAL
    assert Lead.objects.for_workspace(workspace).get(email="bob@example.com").source == Lead.Source.IMPORT


OVER_LIMIT = "over_active_leads_limit: not enrolled, no active-lead slot was left (kept as a contact)."


def test_rows_over_the_active_leads_limit_are_kept_as_contacts_and_reported(workspace):
    with_active_leads_limit(workspace, 3)
    campaign = CampaignFactory(workspace=workspace)
    elsewhere = CampaignFactory(workspace=workspace)
    enroll(elsewhere, [LeadFactory(workspace=workspace, email="active@example.com")])
    content = csv_text(
        [["Email"], *[[f"n{number}@example.com"] for number in range(4)], ["active@example.com"]]
    )
    job = run_import(workspace, content, campaign=campaign)

    assert buckets(job) == {
        "created": 2,
        "updated": 1,
        "already_in_campaign": 0,
        "duplicates": 0,
        "invalid": 0,
        "over_limit": 2,
        "suppressed": 0,
        "enrolled": 3,
    }
    assert Lead.objects.for_workspace(workspace).count() == 5
    assert sorted(
        Enrollment.objects.for_workspace(workspace)
        .filter(campaign=campaign)
        .values_list("lead__email", flat=True)
    ) == [
        "active@example.com",
        "n0@example.com",
        "n1@example.com",
    ]
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == 3
    report = list(csv.reader(io.StringIO("".join(error_report_lines(workspace=workspace, job=job)))))
    assert report == [
        ["row_number", "reason", "warnings", "Email"],
        ["4", OVER_LIMIT, "", "n2@example.com"],
        ["5", OVER_LIMIT, "", "n3@example.com"],
    ]
    assert_audit_clean()


def test_unmapped_columns_are_dropped_unless_kept_as_custom_fields(workspace):
    content = "Email,Title,Favourite Colour\nann@example.com,CEO,teal\n"
    plain = run_import(workspace, content)
    kept = run_import(WorkspaceFactory(), content, keep_other_columns=True)

    assert plain.mapping == {"Email": "email", "Title": "job_title"}
    assert kept.mapping == {
        "Email": "email",
        "Title": "job_title",
        "Favourite Colour": "custom_fields.Favourite Colour",
    }
    assert Lead.objects.for_workspace(kept.workspace).get().custom_fields == {"Favourite Colour": "teal"}
    assert Lead.objects.for_workspace(workspace).get().custom_fields == {}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["Email Address", "firstname", "Last Name", "Company Name", "Job Title"],
            ["email", "first_name", "last_name", "company_name", "job_title"],
        ),
        (
            ["E-mail", "First", "Surname", "Organisation", "Position"],
            ["email", "first_name", "last_name", "company_name", "job_title"],
        ),
        (
            ["email", "Phone Number", "LinkedIn URL", "Website", "City", "Country"],
            ["email", "phone", "linkedin_url", "website", "city", "country"],
        ),
        (["Contact", "Name"], ["email"]),
    ],
)
def test_common_header_names_are_mapped_and_an_unnamed_email_column_is_found_by_its_values(
    workspace, headers, expected
):
    values = ["ann@example.com", "Ann", "Lee", "Acme", "CEO", "+1 555 0100"][: len(headers)]
    job = start_import(workspace, csv_text([headers, values]))

    assert list(job.mapping.values()) == expected


@pytest.mark.parametrize(
    ("mapping", "problem"),
    [
        ({"Email": "email", "Company": "company"}, "'company' (for 'Company') is not a lead field"),
        ({"Email": "email", "Nope": "first_name"}, "'Nope' is not a column of the file"),
        ({"Email": "email", "Company": "email"}, "'email' is given to more than one column."),
        ({"Email": "custom_fields. x "}, "is not a lead field"),
        (
            {"Company": "company_name"},
            "No column of the file holds email addresses: its headers are Email, Company.",
        ),
        (["Email"], "The mapping is an object of CSV headers to lead fields"),
    ],
)
def test_a_mapping_with_an_unknown_column_or_field_or_no_email_is_refused(workspace, mapping, problem):
    with pytest.raises(DomainError) as refusal:
        start_import(workspace, "Email,Company\nann@example.com,Acme\n", mapping=mapping)
    assert problem in refusal.value.message
    assert list(refusal.value.details) == ["mapping"]
    assert not ImportJob.objects.for_workspace(workspace).exists()


def test_a_job_killed_between_chunks_resumes_from_its_checkpoint_with_an_uninterrupted_runs_counts(
    db, monkeypatch, settings
):
    uninterrupted, job = uninterrupted_and_started(settings)
    workspace, uninterrupted_workspace = job.workspace, uninterrupted.workspace
    kill_after(monkeypatch, 3)
    with pytest.raises(Killed):
        run_import_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.last_row_number, job.rows_processed) == (ImportJob.Status.RUNNING, 25, 24)
    monkeypatch.undo()
    run_after_its_worker_died(job.pk)
    job.refresh_from_db()

    assert job.status == ImportJob.Status.SUCCEEDED
    assert buckets(job) == buckets(uninterrupted)
    assert uninterrupted.over_limit > 0 and uninterrupted.duplicates > 0 and uninterrupted.invalid > 0
    assert uninterrupted.suppressed == 2
    assert_every_row_in_one_bucket(job)
    assert (
        Lead.objects.for_workspace(workspace).count()
        == Lead.objects.for_workspace(uninterrupted_workspace).count()
    )
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == active_leads_used_by_enrollments(
        workspace
    )
    assert (
        list(error_report_lines(workspace=workspace, job=job))[1:]
        == list(error_report_lines(workspace=uninterrupted_workspace, job=uninterrupted))[1:]
    )
    assert_audit_clean()


def test_a_job_killed_inside_a_chunk_keeps_none_of_that_chunk_and_resumes_to_the_same_counts(
    db, monkeypatch, settings
):
    """The chunk's contacts, enrollments and skipped rows are in the transaction of its checkpoint: a crash
    after they are written and before the checkpoint leaves none of them (rule 14)."""
    uninterrupted, job = uninterrupted_and_started(settings)
    workspace = job.workspace
    sort, sorted_chunks, counted = ImportRun._sort, [], {}

    def sort_then_die_in_the_third(self, *args):
        sort(self, *args)
        sorted_chunks.append(1)
        if len(sorted_chunks) == 3:
            counted["leads"] = Lead.objects.for_workspace(workspace).count()
            raise Killed

    monkeypatch.setattr(ImportRun, "_sort", sort_then_die_in_the_third)
    before = (
        Lead.objects.for_workspace(workspace).count(),
        Enrollment.objects.for_workspace(workspace).count(),
    )
    with pytest.raises(Killed):
        run_import_job(job_id=job.pk)
    job.refresh_from_db()
    after_two_chunks = buckets(job)

    assert (job.status, job.last_row_number, job.rows_processed) == (ImportJob.Status.RUNNING, 17, 16)
    assert counted["leads"] > before[0] + job.created  # the third chunk had written contacts ...
    assert Lead.objects.for_workspace(workspace).count() == before[0] + job.created  # ... and none stayed
    assert Enrollment.objects.for_workspace(workspace).count() == before[1] + job.enrolled
    assert ImportSkippedRow.objects.for_workspace(workspace).filter(job=job).count() == (
        after_two_chunks["invalid"]
        + after_two_chunks["duplicates"]
        + after_two_chunks["over_limit"]
        + after_two_chunks["suppressed"]
    )
    monkeypatch.undo()
    run_after_its_worker_died(job.pk)
    job.refresh_from_db()

    assert job.status == ImportJob.Status.SUCCEEDED
    assert buckets(job) == buckets(uninterrupted)
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == active_leads_used_by_enrollments(
        workspace
    )
    assert_audit_clean()


@pytest.mark.parametrize("killed_after_chunks", [None, 2])
def test_a_repeat_in_a_later_chunk_names_the_first_row_whether_the_contact_was_new_or_known(
    workspace, monkeypatch, settings, killed_after_chunks
):
    settings.IMPORT_CHUNK_ROWS = 2
    campaign = CampaignFactory(workspace=workspace)
    LeadFactory(workspace=workspace, email="known@example.com")
    rows = [
        ["Email"],
        ["new@example.com"],  # row 2, created
        ["known@example.com"],  # row 3, the workspace had it
        ["other@example.com"],
        ["filler@example.com"],
        ["KNOWN@example.com "],  # row 6, chunk 3
        ["New@Example.com"],  # row 7, chunk 3
        ["last@example.com"],
    ]
    job = start_import(workspace, csv_text(rows), campaign=campaign)
    if killed_after_chunks:
        kill_after(monkeypatch, killed_after_chunks)
        with pytest.raises(Killed):
            run_import_job(job_id=job.pk)
        monkeypatch.undo()
        run_after_its_worker_died(job.pk)
    else:
        run_import_job(job_id=job.pk)
    job.refresh_from_db()

    assert buckets(job) == {
        "created": 4,
        "updated": 1,
        "already_in_campaign": 0,
        "duplicates": 2,
        "invalid": 0,
        "over_limit": 0,
        "suppressed": 0,
        "enrolled": 5,
    }
    report = list(csv.reader(io.StringIO("".join(error_report_lines(workspace=workspace, job=job)))))
    assert report[1:] == [
        ["6", "Same email as row 3 of this file.", "", "KNOWN@example.com "],
        ["7", "Same email as row 2 of this file.", "", "New@Example.com"],
    ]
    assert Lead.objects.for_workspace(workspace).count() == 5
    assert_audit_clean()


def test_a_finished_or_cancelled_job_is_never_run_again(workspace):
    done = run_import(workspace, "Email\nann@example.com\n")
    cancelled = start_import(workspace, "Email\nbob@example.com\n")
    services.import_cancel(workspace=workspace, job=cancelled)

    for job in (done, cancelled):
        before = buckets(ImportJob.objects.for_workspace(workspace).get(pk=job.pk))
        run_import_job(job_id=job.pk)
        assert buckets(ImportJob.objects.for_workspace(workspace).get(pk=job.pk)) == before
    run_import_job(job_id=10**9)
    assert Lead.objects.for_workspace(workspace).count() == 1


def test_cancelling_stops_the_job_after_the_chunk_being_written(workspace, monkeypatch, settings):
    settings.IMPORT_CHUNK_ROWS = 5
    job = start_import(
        workspace, csv_text([["Email"], *[[f"n{number}@example.com"] for number in range(20)]])
    )
    commit = ImportRun._commit

    def commit_then_cancel(self, chunk):
        written = commit(self, chunk)
        if ImportJob.objects.for_workspace(workspace).get(pk=job.pk).rows_processed == 10:
            services.import_cancel(workspace=workspace, job=job)
        return written

    monkeypatch.setattr(ImportRun, "_commit", commit_then_cancel)
    run_import_job(job_id=job.pk)
    job.refresh_from_db()

    assert (job.status, job.rows_processed, job.created, job.rows_total) == (
        ImportJob.Status.CANCELLED,
        10,
        10,
        None,
    )
    assert Lead.objects.for_workspace(workspace).count() == 10
    with pytest.raises(Conflict):
        services.import_cancel(workspace=workspace, job=job)


def test_archiving_the_campaign_during_the_import_stops_it_with_the_reason(workspace, monkeypatch, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    campaign = CampaignFactory(workspace=workspace)
    job = start_import(
        workspace,
        csv_text([["Email"], *[[f"n{number}@example.com"] for number in range(5)]]),
        campaign=campaign,
    )
    commit = ImportRun._commit

    def commit_then_archive(self, chunk):
        written = commit(self, chunk)
        campaign_services.campaign_set_status(
            workspace=workspace, campaign=campaign, status=Campaign.Status.ARCHIVED
        )
        return written

    monkeypatch.setattr(ImportRun, "_commit", commit_then_archive)
    run_import_job(job_id=job.pk)
    job.refresh_from_db()

    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith(f"{campaign.name} is archived")
    assert job.error.endswith("Rows up to row 3 of the file were imported.")
    assert (job.created, job.rows_processed) == (2, 2)


def test_deleting_the_campaign_cancels_a_running_import_which_stops_and_keeps_its_history(
    workspace, monkeypatch, settings
):
    settings.IMPORT_CHUNK_ROWS = 2
    campaign = CampaignFactory(workspace=workspace, name="Spring push")
    job = start_import(
        workspace,
        csv_text([["Email"], ["bad"], *[[f"n{number}@example.com"] for number in range(5)]]),
        campaign=campaign,
    )
    commit = ImportRun._commit

    def commit_then_delete(self, chunk):
        written = commit(self, chunk)
        if Campaign.objects.for_workspace(workspace).exists():
            campaign_services.campaign_delete(workspace=workspace, campaign=campaign)
        return written

    monkeypatch.setattr(ImportRun, "_commit", commit_then_delete)
    run_import_job(job_id=job.pk)
    job.refresh_from_db()

    assert (job.status, job.error) == (ImportJob.Status.CANCELLED, "Cancelled: its campaign was deleted.")
    assert (job.campaign_id, job.campaign_name, job.campaign_label) == (
        None,
        "Spring push",
        "Spring push (deleted)",
    )
    assert (job.rows_processed, job.created, job.invalid, job.enrolled) == (2, 1, 1, 1)
    report = list(csv.reader(error_report_lines(workspace=workspace, job=job)))
    assert [(row[0], row[-1]) for row in report[1:]] == [("2", "bad")]
    assert Lead.objects.for_workspace(workspace).count() == 1
    assert Quota.objects.for_workspace(workspace).get().active_leads_used == 0
    assert_audit_clean()


def test_deleting_a_campaign_keeps_its_finished_imports_cancels_queued_ones_and_discards_drafts(
    workspace, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(workspace=workspace, name="Autumn")
    other = CampaignFactory(workspace=workspace)
    done = run_import(workspace, "Email\nann@example.com\n", campaign=campaign)
    queued = start_import(workspace, "Email\nbob@example.com\n", campaign=campaign)
    draft = start_import(workspace, "Email\ncy@example.com\n", campaign=campaign, draft=True)
    elsewhere = start_import(workspace, "Email\ndan@example.com\n", campaign=other)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.campaign_delete(workspace=workspace, campaign=campaign)

    jobs = {job.pk: job for job in ImportJob.objects.for_workspace(workspace)}
    assert (jobs[done.pk].status, jobs[done.pk].created, jobs[done.pk].error) == (
        ImportJob.Status.SUCCEEDED,
        1,
        "",
    )
    assert jobs[queued.pk].status == ImportJob.Status.CANCELLED and jobs[queued.pk].finished_at is not None
    assert {jobs[job.pk].campaign_label for job in (done, queued)} == {"Autumn (deleted)"}
    assert draft.pk not in jobs and not default_storage.exists(draft.file.name)
    assert default_storage.exists(done.file.name) and default_storage.exists(queued.file.name)
    assert (jobs[elsewhere.pk].status, jobs[elsewhere.pk].campaign_id) == (ImportJob.Status.QUEUED, other.pk)
    run_import_job(job_id=queued.pk)
    assert not Lead.objects.for_workspace(workspace).filter(email="bob@example.com").exists()


def test_a_file_that_stops_being_csv_fails_the_job_with_the_row_and_keeps_what_came_before(
    workspace, settings
):
    settings.IMPORT_CHUNK_ROWS = 2
    content = (
        'Email,Name\na@example.com,A\nb@example.com,B\nc@example.com,"never closed\n'
        + "x" * (FIELD_MAX_CHARACTERS + 10)
        + "\n"
    )
    job = run_import(workspace, content)

    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("Row 4 could not be read (field larger than field limit")
    assert job.created == 2


def test_the_error_report_lists_every_row_not_imported_with_its_original_columns_formula_safe(workspace):
    content = csv_text(
        [
            ["Email", "=Formula", "Notes"],
            ["ann@example.com", "1", "ok"],
            ['=HYPERLINK("http://evil")', "+1", "@SUM(A1)"],
            ["ANN@example.com", "-2", "\tx"],
            ["short"],
        ]
    )
    job = run_import(workspace, content)
    report = list(csv.reader(io.StringIO("".join(error_report_lines(workspace=workspace, job=job)))))

    assert report[0] == ["row_number", "reason", "warnings", "Email", "'=Formula", "Notes"]
    assert [row[:2] for row in report[1:]] == [
        ["3", report[1][1]],
        ["4", "Same email as row 2 of this file."],
        ["5", "1 column where the header has 3."],
    ]
    assert report[1][1].startswith("email: '=hyperlink")
    assert report[1][2:] == ["", '\'=HYPERLINK("http://evil")', "'+1", "'@SUM(A1)"]
    assert report[2][2:] == ["", "ANN@example.com", "'-2", "'\tx"]
    assert report[3][2:] == ["", "short"]


def test_the_person_who_started_an_import_is_emailed_when_it_finishes(
    workspace, django_capture_on_commit_callbacks
):
    user = owner_of(workspace)
    campaign = CampaignFactory(workspace=workspace, name="Spring launch")
    job = start_import(
        workspace, "Email\nann@example.com\nnope\n", user=user, campaign=campaign, name="spring.csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_import_job(job_id=job.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Your import of spring.csv is done"
    assert "Leadpool imported spring.csv into Spring launch: 2 rows, 1 created, 1 invalid." in message.body
    assert f"/imports/{job.pk}/" in message.body


@pytest.mark.parametrize("into_campaign", [False, True], ids=["contacts", "campaign"])
def test_importing_costs_no_lead_credits(workspace, into_campaign):
    """Rule 10: a trial's 100 credits are all there after importing 3 new contacts."""
    balance = billing_selectors.lead_credits_balance(workspace=workspace)
    entries = LedgerEntry.objects.for_workspace(workspace).count()
    campaign = CampaignFactory(workspace=workspace) if into_campaign else None

    job = run_import(workspace, "Email\na@example.com\nb@example.com\nc@example.com\n", campaign=campaign)

    assert (job.status, job.created) == (ImportJob.Status.SUCCEEDED, 3)
    assert balance == billing_selectors.lead_credits_balance(workspace=workspace) == 100
    assert LedgerEntry.objects.for_workspace(workspace).count() == entries


def test_the_report_lists_each_row_not_imported_once_with_its_bucket_on_a_mixed_file(workspace, settings):
    """Rule 11: the report's rows are exactly the invalid, duplicate and over-the-limit rows."""
    settings.IMPORT_CHUNK_ROWS = 4
    with_active_leads_limit(workspace, 10)
    job = run_import(workspace, mixed_file(), campaign=CampaignFactory(workspace=workspace))
    report = list(csv.reader(io.StringIO("".join(error_report_lines(workspace=workspace, job=job)))))[1:]

    assert job.invalid > 0 and job.duplicates > 0 and job.over_limit > 0
    assert len(report) == job.invalid + job.duplicates + job.over_limit
    numbers = [int(row[0]) for row in report]
    assert numbers == sorted(set(numbers))
    assert sum(row[1].startswith("over_active_leads_limit:") for row in report) == job.over_limit
    assert sum(row[1].startswith("Same email as row") for row in report) == job.duplicates


def test_a_malformed_optional_value_is_dropped_and_reported_as_a_warning_not_a_lost_contact(workspace):
    content = csv_text(
        [
            ["Email", "First Name", "Website", "Phone"],
            ["ann@example.com", "Ann", "not a url", "+1 555 0100"],
            ["bob@example.com", "Bob", "bob.example", "call me"],
            ["nope", "Nobody", "not a url", ""],
            ["ann@example.com", "Ann again", "also bad", ""],
            ["cid@example.com", "Cid", "cid.example", ""],
        ]
    )
    job = run_import(workspace, content)

    assert buckets(job) == {**dict.fromkeys(buckets(job), 0), "created": 3, "invalid": 1, "duplicates": 1}
    assert_every_row_in_one_bucket(job)
    contacts = Lead.objects.for_workspace(workspace).order_by("email")
    assert list(contacts.values_list("email", "first_name", "website", "phone")) == [
        ("ann@example.com", "Ann", "", "+1 555 0100"),
        ("bob@example.com", "Bob", "https://bob.example", ""),
        ("cid@example.com", "Cid", "https://cid.example", ""),
    ]
    # Only the email refuses a row; the duplicate's values went nowhere, so it has no warning.
    assert warnings(job) == {
        2: "website: 'not a url' is not a web address.",
        3: "phone: 'call me' is not a phone number.",
    }
    report = list(csv.reader(io.StringIO("".join(error_report_lines(workspace=workspace, job=job)))))
    assert report[0] == ["row_number", "reason", "warnings", "Email", "First Name", "Website", "Phone"]
    assert [row[:3] for row in report[1:]] == [
        ["2", "", "website: 'not a url' is not a web address."],
        ["3", "", "phone: 'call me' is not a phone number."],
        ["4", reasons(job)[4], ""],
        ["5", "Same email as row 2 of this file.", ""],
    ]
    assert reasons(job)[4].startswith("email: 'nope' is not a valid email address")


def test_a_row_over_the_limit_keeps_its_reason_and_gains_its_warnings(workspace):
    with_active_leads_limit(workspace, 1)
    campaign = CampaignFactory(workspace=workspace)
    content = csv_text(
        [["Email", "Website"], ["ann@example.com", "ann.example"], ["bob@example.com", "bad url"]]
    )
    job = run_import(workspace, content, campaign=campaign)

    assert (job.created, job.over_limit) == (1, 1)
    assert_every_row_in_one_bucket(job)
    assert reasons(job) == {3: OVER_LIMIT}
    assert warnings(job) == {3: "website: 'bad url' is not a web address."}
    assert Lead.objects.for_workspace(workspace).get(email="bob@example.com").website == ""
