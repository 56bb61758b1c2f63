"""Issue 15 end to end, through the real parts: a lead answers in a real Dovecot; one IMAP pass records the
reply, ends the lead's sequence as ``replied``, frees its active-lead slot (rule 22) and the ``lead.replied``
event reaches a real HTTP receiver, signed (rule 26)."""

import hashlib
import hmac
import json

import pytest
from celery import current_app

from billing import selectors as billing_selectors
from campaigns.models import Enrollment
from sending.poller import poll_mailboxes
from tests.sending.factories import (  # noqa: F401 - sending_settings is a fixture
    enroll_due,
    imap_mailbox,
    message_to,
    sending_campaign,
    sending_settings,
)
from tests.sending.mail import mail
from tests.webhooks.receiver import Receiver
from webhooks import services as webhook_services

pytestmark = pytest.mark.usefixtures("sending_settings")


@pytest.fixture
def eager_tasks():
    """Tasks queued after a commit run at once, in this process (a worker's job in production)."""
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = before


@pytest.fixture
def receiver(settings):
    settings.ALLOW_PRIVATE_HOSTS = True
    server = Receiver().start()
    yield server
    server.stop()


def test_a_reply_read_over_imap_frees_the_slot_and_reaches_the_webhook_signed(
    imap_server, workspace, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    imap_server.empty_inbox()
    mailbox = imap_mailbox(imap_server, workspace)
    campaign = sending_campaign(workspace, [mailbox])
    (lead,) = enroll_due(campaign)
    ours = message_to(campaign, lead, mailbox)
    _, secret = webhook_services.endpoint_create(
        workspace=workspace, url=receiver.url(), events=["lead.replied"]
    )
    used = billing_selectors.usage_for_workspace(workspace=workspace)["active_leads"]["used"]
    imap_server.deliver(
        mail("gmail_reply", message_id=ours.message_id, lead=lead.email, mailbox=mailbox.email)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert poll_mailboxes() == (1, 0)

    enrollment = Enrollment.objects.for_workspace(workspace).get(campaign=campaign, lead=lead)
    assert enrollment.status == Enrollment.Status.REPLIED
    assert billing_selectors.usage_for_workspace(workspace=workspace)["active_leads"]["used"] == used - 1
    (request,) = receiver.requests
    body = json.loads(request.body)
    assert (body["type"], body["data"]["lead"]["email"]) == ("lead.replied", lead.email)
    t, v1 = (part.split("=", 1)[1] for part in request.headers["Leadpool-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{t}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, v1)
    imap_server.empty_inbox()
