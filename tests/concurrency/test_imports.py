"""Rules 3, 10 and 12 under real concurrency: two imports into one workspace at once, while API requests
add and remove contacts, past the active-leads limit. Rule 14: one run holds an import at a time, whatever
delivers its task again meanwhile."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.http import Http404

from billing.models import Quota
from campaigns import services as campaign_services
from campaigns.importing.pipeline import ImportRun, run_import_job
from campaigns.importing.services import stalled_imports_requeue
from campaigns.importing.writers import ContactWriter
from campaigns.models import ImportJob
from campaigns.selectors import active_leads_used_by_enrollments
from leads import services as lead_services
from leads.models import Lead
from tests.campaigns.import_helpers import (
    BUCKETS,
    after_the_heartbeat_timeout,
    assert_every_row_in_one_bucket,
    buckets,
    csv_text,
    queue_nothing,
    start_import,
    uninterrupted_and_started,
    with_active_leads_limit,
)
from tests.concurrency.threads import backend_pid, run_together, waits_for_lock
from tests.conftest import api_client_for
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, enroll

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 300


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.IMPORT_CHUNK_ROWS = 25


def test_two_imports_and_api_additions_at_once_never_pass_the_limit_and_keep_the_counter_true(monkeypatch):
    queue_nothing(monkeypatch)
    workspace = with_active_leads_limit(WorkspaceFactory(), LIMIT)
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    # The files share 100 emails (one contact each, whichever import gets there first).
    one = csv_text([["Email", "Name"], *[[f"a{number}@example.com", "A"] for number in range(250)]])
    two = csv_text(
        [["Email", "Name"], *[[f"a{number}@example.com", "B"] for number in range(150, 250)]]
        + [[f"b{number}@example.com", "B"] for number in range(150)]
    )
    jobs = [start_import(workspace, one, campaign=first), start_import(workspace, two, campaign=second)]
    client = api_client_for(workspace)

    def add(i):
        body = {
            "leads": [{"email": f"api{i}-{n}@example.com"} for n in range(15)],
            "allow_partial": i % 2 == 0,
        }
        return lambda: client.post(f"/api/v1/campaigns/{first.pk}/leads", body, format="json")

    enrolled = [LeadFactory(workspace=workspace, email=f"old{number}@example.com") for number in range(20)]
    enroll(first, enrolled)

    def remove(i):
        ids = [lead.pk for lead in enrolled[i * 10 : i * 10 + 10]]
        return lambda: client.post(
            f"/api/v1/campaigns/{first.pk}/leads/remove", {"lead_ids": ids}, format="json"
        )

    actions = [lambda job=job: run_import_job(job_id=job.pk) for job in jobs]
    actions += [add(i) for i in range(6)] + [remove(i) for i in range(2)]
    outcomes = run_together(actions)

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert {outcome.status_code for outcome in outcomes[2:]} <= {200, 402}
    for job in ImportJob.objects.for_workspace(workspace):
        assert job.status == ImportJob.Status.SUCCEEDED, job.error
        assert_every_row_in_one_bucket(job)
        assert job.rows_total == 250
        assert job.over_limit > 0
    used = Quota.objects.for_workspace(workspace).get().active_leads_used
    assert used == active_leads_used_by_enrollments(workspace) <= LIMIT
    emails = list(Lead.objects.for_workspace(workspace).values_list("email", flat=True))
    assert len(emails) == len(set(emails))
    assert {f"a{n}@example.com" for n in range(250)} | {f"b{n}@example.com" for n in range(150)} <= set(
        emails
    )
    call_command("audit_quotas")


def test_a_contact_committed_while_a_chunk_writes_counts_as_existing(monkeypatch):
    """The chunk looks for its emails, another transaction commits one of them before the chunk inserts
    it: the chunk's statement runs again with ON CONFLICT, and that row is an existing contact."""
    queue_nothing(monkeypatch)
    workspace = with_active_leads_limit(WorkspaceFactory(), LIMIT)
    campaign = CampaignFactory(workspace=workspace)
    rows = [["Email"], ["first@example.com"], ["race@example.com"], ["last@example.com"]]
    job = start_import(workspace, csv_text(rows), campaign=campaign)
    statements, importer, writing = [], [], threading.Event()
    original = ContactWriter._create

    def create(self, *args, on_conflict):
        statements.append(on_conflict)
        importer.append(backend_pid())
        writing.set()
        return original(self, *args, on_conflict=on_conflict)

    monkeypatch.setattr(ContactWriter, "_create", create)
    inserted = threading.Event()

    def other_transaction():
        with transaction.atomic():
            LeadFactory(workspace=workspace, email="race@example.com")
            inserted.set()
            assert writing.wait(10)
            # The import's statement waits on this email's index entry until this commits.
            assert waits_for_lock(importer[0], held_by=backend_pid())

    def import_after_it():
        assert inserted.wait(10)
        run_import_job(job_id=job.pk)

    assert run_together([other_transaction, import_after_it]) == [None, None]

    job = ImportJob.objects.for_workspace(workspace).get(pk=job.pk)
    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    assert buckets(job) == {**dict.fromkeys(BUCKETS, 0), "created": 2, "updated": 1, "enrolled": 3}
    assert statements == ["", "ON CONFLICT (workspace_id, email) DO NOTHING"]
    assert Lead.objects.for_workspace(workspace).filter(email="race@example.com").count() == 1


@pytest.mark.parametrize("into_campaign", [False, True], ids=["contacts", "campaign"])
def test_a_contacts_email_edited_while_a_chunk_is_written_waits_for_the_chunk(monkeypatch, into_campaign):
    """A chunk finds a known contact by its email in more than one statement; an edit of that email in
    between left the row without its contact and failed the job. The edit now takes the quota row lock,
    so it waits for the chunk's commit."""
    queue_nothing(monkeypatch)
    workspace = with_active_leads_limit(WorkspaceFactory(), LIMIT)
    campaign = CampaignFactory(workspace=workspace) if into_campaign else None
    known = LeadFactory(workspace=workspace, email="known@example.com")
    job = start_import(
        workspace, csv_text([["Email"], ["new@example.com"], ["known@example.com"]]), campaign=campaign
    )
    found, editors, waiting = ContactWriter._found, [], []
    editor_pid, editing = [], threading.Event()

    def edit():
        try:
            with transaction.atomic():  # the pid of the transaction that waits (stable behind a pooler)
                editor_pid.append(backend_pid())
                editing.set()
                lead = Lead.objects.for_workspace(workspace).get(pk=known.pk)
                lead_services.lead_update(workspace=workspace, lead=lead, data={"email": "re@example.com"})
        finally:
            connection.close()

    def found_while_an_edit_waits(self, *args, **kwargs):
        editor = threading.Thread(target=edit)
        editor.start()
        editors.append(editor)
        assert editing.wait(10)
        # Still waiting on the chunk's lock while the chunk goes on.
        waiting.append(waits_for_lock(editor_pid[0], held_by=backend_pid()))
        return found(self, *args, **kwargs)

    monkeypatch.setattr(ContactWriter, "_found", found_while_an_edit_waits)
    run_import_job(job_id=job.pk)
    (editor,) = editors
    editor.join(10)
    assert not editor.is_alive()

    job = ImportJob.objects.for_workspace(workspace).get(pk=job.pk)
    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    assert waiting == [True]
    assert (job.created, job.updated if campaign else job.duplicates) == (1, 1)
    assert Lead.objects.for_workspace(workspace).get(pk=known.pk).email == "re@example.com"


def test_an_upload_committing_while_its_campaign_is_deleted_is_a_404_not_an_import_into_contacts(
    monkeypatch,
):
    """The deletion locks the campaign's row: the upload's reference check waits for it, then fails (it
    was committed as a job whose campaign is let go of, which then imported into contacts only)."""
    queue_nothing(monkeypatch)
    workspace = WorkspaceFactory()
    campaign = CampaignFactory(workspace=workspace)
    locked, uploading = threading.Event(), threading.Event()
    slots_freed = campaign_services.slots_freed_by_removing

    def counted_once_the_upload_waits(**kwargs):
        locked.set()
        assert uploading.wait(10)
        # The upload's transaction starts in the service: behind a pooler its pid is not known before.
        assert waits_for_lock(None, held_by=backend_pid())
        return slots_freed(**kwargs)

    monkeypatch.setattr(campaign_services, "slots_freed_by_removing", counted_once_the_upload_waits)

    def upload():
        uploading.set()
        assert locked.wait(10)
        return start_import(workspace, "Email\nann@example.com\n", campaign=campaign)

    deleted, uploaded = run_together(
        [lambda: campaign_services.campaign_delete(workspace=workspace, campaign=campaign), upload]
    )

    assert deleted == 0
    assert isinstance(uploaded, Http404), uploaded
    assert "deleted during the upload" in str(uploaded)
    assert not ImportJob.objects.for_workspace(workspace).exists()


def paused_after_the_first_chunk(monkeypatch):
    """The first run to commit a chunk waits after that commit until ``go`` is set (no beat meanwhile, as a
    worker stalled for longer than the heartbeat timeout). Returns the events (paused, go)."""
    commit, paused, go = ImportRun._commit, threading.Event(), threading.Event()

    def commit_then_wait(self, chunk):
        committed = commit(self, chunk)
        if not paused.is_set():
            paused.set()
            assert go.wait(10)
        return committed

    monkeypatch.setattr(ImportRun, "_commit", commit_then_wait)
    return paused, go


def test_a_second_delivery_while_the_first_run_holds_the_import_leaves_it_to_that_run(monkeypatch, settings):
    queue_nothing(monkeypatch)
    uninterrupted, job = uninterrupted_and_started(settings)
    paused, go = paused_after_the_first_chunk(monkeypatch)

    def second_delivery():
        try:
            assert paused.wait(10)
            run_import_job(job_id=job.pk)
            return ImportJob.objects.for_workspace(job.workspace).get(pk=job.pk)
        finally:
            go.set()

    first, after_second = run_together([lambda: run_import_job(job_id=job.pk), second_delivery])

    assert first is None
    assert not isinstance(after_second, Exception), after_second
    assert (after_second.status, after_second.rows_processed) == (ImportJob.Status.RUNNING, 8)
    finished = ImportJob.objects.for_workspace(job.workspace).get(pk=job.pk)
    assert finished.status == ImportJob.Status.SUCCEEDED, finished.error
    assert finished.runner == after_second.runner
    assert buckets(finished) == buckets(uninterrupted)
    call_command("audit_quotas")


def test_a_run_requeued_while_it_was_stalled_writes_nothing_more_and_the_run_that_took_over_ends_it(
    monkeypatch, settings
):
    """The requeue task takes a stalled run for dead and the delivery it queues takes the job over. The
    stalled run goes on before the new one commits anything: it finds the job is no longer its own and
    stops without writing; the new run ends the import with an uninterrupted run's counts."""
    queued = queue_nothing(monkeypatch)
    uninterrupted, job = uninterrupted_and_started(settings)
    commit, runs = ImportRun._commit, []
    stalled, taken_over, stalled_run_returned = threading.Event(), threading.Event(), threading.Event()

    def commit_in_turn(self, chunk):
        runs.append(self.runner)
        if self.runner == runs[0]:
            committed = commit(self, chunk)
            if not stalled.is_set():
                stalled.set()
                assert taken_over.wait(10)
            return committed
        taken_over.set()
        assert stalled_run_returned.wait(10)
        return commit(self, chunk)

    monkeypatch.setattr(ImportRun, "_commit", commit_in_turn)

    def stalled_run():
        try:
            run_import_job(job_id=job.pk)
            return ImportJob.objects.for_workspace(job.workspace).get(pk=job.pk)
        finally:
            stalled_run_returned.set()

    def requeue_and_deliver():
        try:
            assert stalled.wait(10)
            with after_the_heartbeat_timeout():
                requeued = stalled_imports_requeue()
            run_import_job(job_id=queued[-1])
            return requeued
        finally:
            taken_over.set()

    after_stalled, requeued = run_together([stalled_run, requeue_and_deliver])

    assert requeued == [job.pk] == queued[-1:]
    assert not isinstance(after_stalled, Exception), after_stalled
    first_runner, new_runner = runs[0], runs[-1]
    assert (after_stalled.status, after_stalled.rows_processed) == (ImportJob.Status.RUNNING, 8)
    assert after_stalled.runner == new_runner != first_runner
    finished = ImportJob.objects.for_workspace(job.workspace).get(pk=job.pk)
    assert (finished.status, finished.runner) == (ImportJob.Status.SUCCEEDED, new_runner), finished.error
    assert buckets(finished) == buckets(uninterrupted)
    assert_every_row_in_one_bucket(finished)
    assert Quota.objects.for_workspace(job.workspace).get().active_leads_used == (
        active_leads_used_by_enrollments(job.workspace)
    )
    call_command("audit_quotas")
