"""A slow import never delays a send (docs/operations.md, "Workers and queues"): two real Celery workers,
one consuming the "imports" queue and one the "sending" queue, as docker-compose.yml runs them. An import
is held in the middle of its first chunk (its workspace's quota row is locked by the test, as a long chunk
would hold its worker) while the sending worker's scheduler pass sends a due message to a real SMTP
server; the import then finishes. Were the two tasks on one queue, or routed to a queue nobody consumes,
the send would wait for the import (or forever) and the test would fail."""

import threading
from datetime import time

import pytest
from django.db import connection, transaction

from billing.services import quota_lock
from campaigns.importing import services as import_services
from campaigns.models import Campaign, ImportJob
from core import secrets
from sending.models import Message
from sending.tasks import send_due
from tests.campaigns.import_helpers import csv_text, upload
from tests.factories import CampaignFactory, WorkspaceFactory
from tests.sending.factories import enroll_due, mailbox_for, sending_campaign
from tests.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quota_held():
    """``hold(workspace)`` locks the workspace's quota row in a transaction of another thread until
    ``release()``: every import chunk of that workspace waits for it."""
    held, released = threading.Event(), threading.Event()
    threads = []

    def holder(workspace):
        try:
            with transaction.atomic():
                quota_lock(workspace=workspace)
                held.set()
                released.wait(timeout=120)
        finally:
            connection.close()

    def hold(workspace):
        thread = threading.Thread(target=holder, args=(workspace,))
        thread.start()
        threads.append(thread)
        assert held.wait(timeout=10)

    hold.release = released.set
    yield hold
    released.set()
    for thread in threads:
        thread.join(timeout=10)


def import_waiting_for_a_lock():
    """Whether a database session is waiting on a row lock of the quota table (the import's chunk)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            ["%billing_quota%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_send_goes_out_while_an_import_holds_the_imports_worker(
    start_queue_worker, quota_held, smtp_server
):
    importing = WorkspaceFactory(name="Importing")
    rows = [["Email", "Name"], *[[f"row{number}@example.com", "Row"] for number in range(200)]]
    job = import_services.import_create(
        workspace=importing,
        user=None,
        upload=upload(csv_text(rows)),
        campaign=CampaignFactory(workspace=importing),
    )

    sending = WorkspaceFactory(name="Sending")
    mailbox = mailbox_for(smtp_server, sending, smtp_password_encrypted=secrets.encrypt(smtp_server.password))
    campaign = sending_campaign(sending, [mailbox])
    # Every hour of every day: the worker runs on the real clock.
    Campaign.objects.for_workspace(sending).filter(pk=campaign.pk).update(
        schedule_days=[1, 2, 3, 4, 5, 6, 7], schedule_start=time(0), schedule_end=time(23, 59, 59, 999999)
    )
    (lead,) = enroll_due(campaign)

    quota_held(importing)
    start_queue_worker("imports")
    start_queue_worker("sending")
    wait_for(import_waiting_for_a_lock, timeout=60)
    assert ImportJob.objects.for_workspace(importing).get(pk=job.pk).status == ImportJob.Status.RUNNING

    send_due.delay()
    sent = wait_for(
        lambda: Message.objects.for_workspace(sending).filter(status=Message.Status.SENT).first(), timeout=60
    )
    assert len(smtp_server.messages_to(lead.email)) == 1
    running = ImportJob.objects.for_workspace(importing).get(pk=job.pk)
    assert (running.status, running.rows_processed) == (ImportJob.Status.RUNNING, 0)

    quota_held.release()
    finished = wait_for(
        lambda: (found := ImportJob.objects.for_workspace(importing).get(pk=job.pk)).is_finished and found,
        timeout=60,
    )
    assert (finished.status, finished.created, finished.enrolled) == (ImportJob.Status.SUCCEEDED, 200, 200)
    assert finished.finished_at > sent.sent_at
