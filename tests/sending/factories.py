"""Mailboxes and sequences for the sender's tests, written straight to the database (their own services
belong to other parts of sending and campaigns)."""

import itertools
from datetime import UTC, datetime

import factory
import pytest
from cryptography.fernet import Fernet
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Enrollment, Step
from core import secrets
from sending import services
from sending.models import CampaignMailbox, Mailbox, Message, Reply
from tests.factories import CampaignFactory, LeadFactory, TenantFactory, enroll

# A Monday, 10:00 UTC: inside the default schedule (Monday to Friday, 9:00-17:00 UTC).
MONDAY_10 = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def sending_settings(settings):
    """Keys for mailbox passwords, and the test SMTP server on loopback allowed (rule 25's switch)."""
    settings.SECRET_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.ALLOW_PRIVATE_HOSTS = True


class MailboxFactory(TenantFactory):
    class Meta:
        model = Mailbox

    email = factory.Sequence(lambda n: f"sender{n}@outreach.example")
    from_name = "Sam Sender"
    smtp_host = "127.0.0.1"
    smtp_port = 25
    smtp_security = Mailbox.Security.NONE
    smtp_username = ""
    daily_limit = 30
    min_interval_seconds = 0


def mailbox_for(server, workspace, **fields):
    """A mailbox that logs in to the test ``server``."""
    fields.setdefault("smtp_password_encrypted", secrets.encrypt(server.password))
    return MailboxFactory(workspace=workspace, smtp_port=server.port, smtp_username=server.username, **fields)


class StepFactory(TenantFactory):
    class Meta:
        model = Step

    position = factory.Sequence(lambda n: n + 1)
    delay_days = 0
    subject = "Hello {{first_name|there}}"
    body = "Hi {{first_name|there}},\n\nA word from {{sender_name}}.\n\nUnsubscribe: {{unsubscribe_url}}\n"


def sending_campaign(workspace, mailboxes, steps=({},), **fields):
    """An active campaign with ``steps`` (dicts of Step fields, positions 1, 2, …) sending from
    ``mailboxes``."""
    campaign = CampaignFactory(workspace=workspace)
    for position, step in enumerate(steps, start=1):
        StepFactory(workspace=workspace, campaign=campaign, position=position, **step)
    for mailbox in mailboxes:
        CampaignMailbox.objects.create(workspace=workspace, campaign=campaign, mailbox=mailbox)
    Campaign.objects.for_workspace(workspace).filter(pk=campaign.pk).update(status="active", **fields)
    campaign.refresh_from_db()
    return campaign


def enroll_due(campaign, count=1, **lead_fields):
    """``count`` new contacts in ``campaign``, due now (the clock the test set, not the database's)."""
    leads = [LeadFactory(workspace=campaign.workspace, **lead_fields) for _ in range(count)]
    enroll(campaign, leads)
    Enrollment.objects.for_workspace(campaign.workspace).filter(campaign=campaign, lead__in=leads).update(
        next_send_at=timezone.now()
    )
    return leads


def enrollment(campaign, lead):
    return Enrollment.objects.for_workspace(campaign.workspace).get(campaign=campaign, lead=lead)


class ReplyFactory(TenantFactory):
    """A reply as the IMAP poller records it: to a message of ours, so its lead and campaign are the
    message's. Give ``message`` (or ``campaign`` and ``lead``)."""

    class Meta:
        model = Reply

    mailbox = factory.LazyAttribute(lambda reply: reply.message.mailbox if reply.message else None)
    message = None
    campaign = factory.LazyAttribute(lambda reply: reply.message.campaign)
    lead = factory.LazyAttribute(lambda reply: reply.message.lead)
    workspace = factory.LazyAttribute(lambda reply: reply.campaign.workspace)
    kind = Reply.Kind.REPLY
    header_message_id = factory.Sequence(lambda n: f"<reply-{n}@mail.example>")
    from_email = factory.LazyAttribute(lambda reply: reply.lead.email)
    subject = "Re: Hello"
    snippet = factory.LazyAttribute(lambda reply: reply.body[:300])
    body = "Sounds interesting, tell me more."
    received_at = factory.LazyFunction(timezone.now)


def message_to(campaign, lead, mailbox=None, **fields):
    """A sent message of step 1 of ``campaign`` to ``lead``: what a reply answers."""
    fields.setdefault("message_id", f"<sent-{next(_sent_messages)}@outreach.example>")
    return Message.objects.create(
        workspace=campaign.workspace,
        campaign=campaign,
        lead=lead,
        step_number=1,
        mailbox=mailbox,
        to_email=lead.email,
        subject="Hello",
        status=Message.Status.SENT,
        claimed_at=timezone.now(),
        sent_at=timezone.now(),
        **fields,
    )


_sent_messages = itertools.count(1)


def imap_mailbox(server, workspace, **fields):
    """A mailbox of ``workspace`` whose IMAP login is the test Dovecot ``server``'s."""
    fields.setdefault("imap_password_encrypted", secrets.encrypt(server.password))
    fields.setdefault("imap_port", server.port)
    return MailboxFactory(
        workspace=workspace,
        imap_host="127.0.0.1",
        imap_security=Mailbox.Security.NONE,
        imap_username=server.username,
        **fields,
    )


# A mailbox as the API takes it (its passwords are these), and making one through the service.
LIST = reverse("api:mailboxes")
SMTP_PASSWORD = "smtp-pass-Zq81"
IMAP_PASSWORD = "imap-pass-Kw27"


def mailbox_body(**overrides):
    return {
        "email": "Ada@Example.com",
        "from_name": "Ada Lovelace",
        "smtp_host": "smtp.example.com",
        "smtp_port": 587,
        "smtp_security": "starttls",
        "smtp_username": "ada@example.com",
        "smtp_password": SMTP_PASSWORD,
        "imap_host": "imap.example.com",
        "imap_port": 993,
        "imap_security": "ssl",
        "imap_username": "ada@example.com",
        "imap_password": IMAP_PASSWORD,
        "daily_limit": 40,
        "min_interval_seconds": 90,
        **overrides,
    }


def detail(mailbox):
    return reverse("api:mailbox-detail", args=[mailbox.pk if isinstance(mailbox, Mailbox) else mailbox])


def make_mailbox(workspace, **overrides):
    fields = mailbox_body(**overrides)
    return services.mailbox_create(workspace=workspace, **fields)
