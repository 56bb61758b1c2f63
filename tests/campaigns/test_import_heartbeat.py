"""A worker that dies in the middle of an import: its run stops beating, the requeue task queues the job
again at once (not after the broker's visibility timeout), and the next delivery takes it over from the
checkpoint with an uninterrupted run's counts (rule 14). A run that beats is left alone, by the requeue
task and by another delivery of its task; the job's page says when an import is resuming."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from campaigns import tasks
from campaigns.importing import pipeline, reading, services
from campaigns.importing.pipeline import ImportRun, run_import_job
from campaigns.models import ImportJob
from tests.campaigns.import_helpers import (
    Killed,
    after_the_heartbeat_timeout,
    assert_every_row_in_one_bucket,
    buckets,
    kill_after,
    queue_nothing,
    run_import,
    start_import,
    uninterrupted_and_started,
)
from tests.factories import WorkspaceFactory, owner_of

Status = ImportJob.Status
RESUMING = 'data-testid="import-resuming"'


def killed_after_two_chunks(settings, monkeypatch):
    """An import whose worker died after its second chunk (SIGKILL: no except clause ran), and the same
    import run without a crash. Returns (uninterrupted, job)."""
    uninterrupted, job = uninterrupted_and_started(settings)
    kill_after(monkeypatch, 2)
    with pytest.raises(Killed):
        run_import_job(job_id=job.pk)
    monkeypatch.undo()
    job.refresh_from_db()
    assert (job.status, job.rows_processed) == (Status.RUNNING, 16)
    assert job.runner is not None and job.heartbeat_at is not None
    return uninterrupted, job


def requeue(capture_on_commit):
    with capture_on_commit(execute=True):
        return tasks.requeue_stalled_imports()


def test_an_import_whose_worker_died_is_queued_again_once_and_finishes_with_an_uninterrupted_runs_counts(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    uninterrupted, job = killed_after_two_chunks(settings, monkeypatch)
    queued = queue_nothing(monkeypatch)

    with after_the_heartbeat_timeout():
        first = requeue(django_capture_on_commit_callbacks)
        second = requeue(django_capture_on_commit_callbacks)
        requeued = ImportJob.objects.for_workspace(job.workspace).get(pk=job.pk)
        for job_id in queued:
            run_import_job(job_id=job_id)

    assert (first, second, queued) == ([job.pk], [], [job.pk])
    assert requeued.runner is None and requeued.is_resuming
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.error
    assert buckets(job) == buckets(uninterrupted)
    assert_every_row_in_one_bucket(job)


def test_an_import_whose_run_beat_within_the_timeout_is_left_alone_by_the_requeue_task(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    _, job = killed_after_two_chunks(settings, monkeypatch)
    queued = queue_nothing(monkeypatch)
    just_in_time = job.heartbeat_at + timedelta(seconds=settings.IMPORT_HEARTBEAT_TIMEOUT_SECONDS - 1)

    with time_machine.travel(just_in_time, tick=False):
        requeued = requeue(django_capture_on_commit_callbacks)

    assert requeued == queued == []
    after = ImportJob.objects.for_workspace(job.workspace).get(pk=job.pk)
    assert (after.runner, after.heartbeat_at) == (job.runner, job.heartbeat_at)


def test_a_second_delivery_of_an_import_whose_run_beats_changes_nothing(db, settings, monkeypatch):
    _, job = killed_after_two_chunks(settings, monkeypatch)

    run_import_job(job_id=job.pk)

    after = ImportJob.objects.for_workspace(job.workspace).get(pk=job.pk)
    assert (after.status, after.runner, after.heartbeat_at, after.last_row_number, buckets(after)) == (
        Status.RUNNING,
        job.runner,
        job.heartbeat_at,
        job.last_row_number,
        buckets(job),
    )


def test_the_jobs_page_says_an_import_is_resuming_until_a_worker_takes_it_again(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    _, job = killed_after_two_chunks(settings, monkeypatch)
    queue_nothing(monkeypatch)
    client = Client()
    client.force_login(owner_of(job.workspace))

    def page():
        return client.get(f"/imports/{job.pk}/progress/").content.decode()

    beating = page()
    with after_the_heartbeat_timeout():
        stopped_beating = page()
        requeue(django_capture_on_commit_callbacks)
        requeued = page()
        kill_after(monkeypatch, 0)  # the next worker takes the job, then dies before its first chunk
        with pytest.raises(Killed):
            run_import_job(job_id=job.pk)
        taken = page()

    assert RESUMING not in beating and ">Running<" in beating
    for resuming in (stopped_beating, requeued):
        assert RESUMING in resuming and ">Resuming<" in resuming
        assert "Resuming after an interruption" in resuming
    assert RESUMING not in taken and ">Running<" in taken


def test_a_run_beats_while_it_waits_for_the_reader(db, settings, monkeypatch):
    """Between chunks the run waits for its reading thread; it beats meanwhile (a beat every time here),
    so a slow read is not taken for a dead worker."""
    _, job = uninterrupted_and_started(settings)
    settings.IMPORT_HEARTBEAT_TIMEOUT_SECONDS = 0
    monkeypatch.setattr(reading, "WAITING_EVERY", 0.01)
    beat, read_chunks, beaten, beats = ImportRun._beat, pipeline.read_chunks, threading.Event(), []

    def recorded_beat(self):
        jobs = ImportJob.objects.for_workspace(self.workspace).filter(pk=self.job.pk)
        before = jobs.values_list("heartbeat_at", flat=True).get()
        beat(self)
        beats.append((before, jobs.values_list("heartbeat_at", flat=True).get()))
        beaten.set()

    def read_slowly(*args, **kwargs):
        for number, chunk in enumerate(read_chunks(*args, **kwargs)):
            if number == 1:
                assert beaten.wait(10), "the second chunk comes once the run has beaten while waiting for it"
            yield chunk

    monkeypatch.setattr(ImportRun, "_beat", recorded_beat)
    monkeypatch.setattr(pipeline, "read_chunks", read_slowly)
    run_import_job(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.error
    assert beats
    assert all(after > before for before, after in beats)


def test_only_running_imports_are_requeued(db, settings, monkeypatch, django_capture_on_commit_callbacks):
    _, cancelled = killed_after_two_chunks(settings, monkeypatch)
    services.import_cancel(workspace=cancelled.workspace, job=cancelled)
    done = run_import(cancelled.workspace, "Email\nann@example.com\n")
    waiting = start_import(cancelled.workspace, "Email\nbob@example.com\n")
    queued = queue_nothing(monkeypatch)

    with after_the_heartbeat_timeout():
        requeued = requeue(django_capture_on_commit_callbacks)

    assert requeued == queued == []
    assert ImportJob.objects.for_workspace(cancelled.workspace).get(pk=waiting.pk).status == Status.QUEUED
    assert done.status == Status.SUCCEEDED


def test_a_running_import_that_never_beat_is_requeued(db, monkeypatch, django_capture_on_commit_callbacks):
    """A job started before imports had a heartbeat: no run holds it, so it is queued again."""
    job = start_import(WorkspaceFactory(), "Email\nann@example.com\n")
    ImportJob.objects.for_workspace(job.workspace).filter(pk=job.pk).update(status=Status.RUNNING)
    queued = queue_nothing(monkeypatch)

    assert requeue(django_capture_on_commit_callbacks) == queued == [job.pk]
    run_import_job(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.created) == (Status.SUCCEEDED, 1)


def test_the_requeue_runs_on_the_beat_schedule_more_often_than_the_heartbeat_timeout(settings):
    scheduled = settings.CELERY_BEAT_SCHEDULE["requeue-stalled-imports"]
    assert scheduled["task"] == tasks.requeue_stalled_imports.name
    assert scheduled["schedule"] < settings.IMPORT_HEARTBEAT_TIMEOUT_SECONDS
