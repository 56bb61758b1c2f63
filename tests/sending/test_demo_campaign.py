"""A first run: ``seed_demo`` gives the demo workspace a mailbox pointing at the local SMTP sink and a
two-step campaign; pressing Start and one scheduler pass put real messages in the sink's Maildir."""

import mailbox
from datetime import UTC, datetime

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command

from accounts.models import Membership
from campaigns import services as campaign_services
from campaigns.models import Campaign
from sending.management.commands.smtp_sink import MaildirHandler, accept_any_login
from sending.models import Mailbox, Message
from sending.scheduler import send_due
from tests.sending.smtp_server import free_port


@pytest.fixture
def sink(settings, tmp_path):
    settings.SMTP_SINK_PORT = free_port()
    settings.ALLOW_PRIVATE_HOSTS = True
    controller = Controller(
        MaildirHandler(tmp_path / "mail"),
        hostname="127.0.0.1",
        port=settings.SMTP_SINK_PORT,
        authenticator=accept_any_login,
        auth_require_tls=False,
    )
    controller.start()
    yield tmp_path / "mail"
    controller.stop()


def test_the_demo_campaign_starts_and_its_first_step_lands_in_the_local_sink(db, sink):
    call_command("seed_demo")
    workspace = Membership.objects.unscoped().get(user__email="demo@leadpool.localhost").workspace
    campaign = Campaign.objects.for_workspace(workspace).get()
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.steps.count() == 2
    assert campaign.lead_count == 5

    campaign_services.campaign_update(workspace=workspace, campaign=campaign, status=Campaign.Status.ACTIVE)
    # One message per mailbox per interval (5 s): five passes, as beat's minute-by-minute ones would.
    sent = 0
    for second in range(0, 50, 10):
        with time_machine.travel(datetime(2027, 3, 6, 12, 0, second, tzinfo=UTC), tick=False):
            sent += send_due()

    kept = list(mailbox.Maildir(sink, create=False))
    assert sent == 5
    assert sorted(message["To"] for message in kept) == [
        "ada@demo-prospect.example.com",
        "alan@demo-prospect.example.com",
        "grace@demo-prospect.example.com",
        "katherine@demo-prospect.example.com",
        "someone@demo-prospect.example.com",
    ]
    assert {message["Subject"] for message in kept} >= {"Quick question, Ada", "Quick question, there"}
    assert Message.objects.for_workspace(workspace).filter(status=Message.Status.SENT).count() == 5
    assert Mailbox.objects.for_workspace(workspace).get().status == Mailbox.Status.ACTIVE


def test_seed_demo_twice_leaves_one_demo_campaign(db, sink):
    call_command("seed_demo")
    call_command("seed_demo")
    workspace = Membership.objects.unscoped().get(user__email="demo@leadpool.localhost").workspace
    assert Campaign.objects.for_workspace(workspace).count() == 1
    assert Mailbox.objects.for_workspace(workspace).count() == 1
