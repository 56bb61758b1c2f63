"""Rule 19 under real concurrency: passes racing on PostgreSQL send each message exactly once, and the
beat task never runs two passes at once."""

import threading
from collections import Counter

import pytest
import time_machine

from core.locks import held_alone
from sending.models import Message
from sending.scheduler import PASS_LOCK_KEY, send_due
from sending.tasks import send_due as send_due_task
from tests.concurrency.threads import run_together
from tests.factories import WorkspaceFactory
from tests.sending.factories import (
    MONDAY_10,
    enroll_due,
    mailbox_for,
    sending_campaign,
    sending_settings,  # noqa: F401 - a fixture
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("sending_settings"),
]


def test_passes_racing_send_each_message_exactly_once(smtp_server):
    workspace = WorkspaceFactory()
    boxes = [mailbox_for(smtp_server, workspace) for _ in range(2)]
    with time_machine.travel(MONDAY_10, tick=False):
        leads = enroll_due(sending_campaign(workspace, boxes), count=30)

        sent = run_together([send_due] * 4)

    assert all(isinstance(count, int) for count in sent), sent
    assert sum(sent) == 30
    received = Counter(rcpt for item in smtp_server.received for rcpt in item.rcpt_tos)
    assert received == Counter({lead.email: 1 for lead in leads})
    statuses = Counter(Message.objects.for_workspace(workspace).values_list("status", flat=True))
    assert statuses == {"sent": 30}


def test_the_beat_task_skips_while_another_pass_runs(smtp_server):
    workspace = WorkspaceFactory()
    with time_machine.travel(MONDAY_10, tick=False):
        enroll_due(sending_campaign(workspace, [mailbox_for(smtp_server, workspace)]), count=2)
        holding, release = threading.Event(), threading.Event()

        def another_pass():
            with held_alone(PASS_LOCK_KEY) as alone:
                assert alone
                holding.set()
                release.wait(10)

        thread = threading.Thread(target=another_pass)
        thread.start()
        assert holding.wait(10)
        try:
            assert send_due_task() is None
            assert smtp_server.received == []
        finally:
            release.set()
            thread.join()

        assert send_due_task() == 2
