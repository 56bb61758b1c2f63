"""The demo workspace's first campaign, ready to start: a mailbox that sends to the local SMTP sink of
``make run`` (``smtp_sink``), a two-step sequence, a schedule open all week and five demo contacts. Pressing
Start sends the first step within a minute (beat runs ``send_due``), and the messages show in the campaign's
Sent log and under ``var/mail``. Does nothing if the workspace has a mailbox already."""

from datetime import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Workspace
from campaigns import services as campaign_services
from leads.models import Lead
from sending import services as sending_services
from sending.models import Mailbox

CAMPAIGN_NAME = "Demo: a two-step introduction"
CONTACTS = [
    {"email": "ada@demo-prospect.example.com", "first_name": "Ada", "company_name": "Analytical Engines"},
    {"email": "grace@demo-prospect.example.com", "first_name": "Grace", "company_name": "Compilers Inc"},
    {"email": "alan@demo-prospect.example.com", "first_name": "Alan", "company_name": "Enigma Labs"},
    {"email": "katherine@demo-prospect.example.com", "first_name": "Katherine", "company_name": "Orbital"},
    {"email": "someone@demo-prospect.example.com"},
]
FIRST_BODY = """Hi {{first_name|there}},

I noticed {{company_name|your team}} is growing. Would a 15-minute call next week be useful?

{{sender_name}}

Not interested? Unsubscribe: {{unsubscribe_url}}
"""
SECOND_BODY = """Hi {{first_name|there}}, just bringing this back to the top of your inbox.

{{sender_name}}
"""


class Command(BaseCommand):
    help = "Gives a workspace a demo mailbox (to the local SMTP sink) and a two-step demo campaign."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The workspace's slug.")

    @transaction.atomic
    def handle(self, *args, slug, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace {slug!r}.")
        if Mailbox.objects.for_workspace(workspace).exists():
            self.stdout.write("The demo campaign is already there.")
            return
        mailbox = sending_services.mailbox_create(
            workspace=workspace,
            email="outreach@demo-sender.example.com",
            from_name="Demo Sender",
            smtp_host="127.0.0.1",
            smtp_port=settings.SMTP_SINK_PORT,
            smtp_security=Mailbox.Security.NONE,
            min_interval_seconds=5,
        )
        campaign = campaign_services.campaign_create(workspace=workspace, name=CAMPAIGN_NAME)
        campaign_services.campaign_update(
            workspace=workspace,
            campaign=campaign,
            schedule={
                "timezone": "UTC",
                "days": [1, 2, 3, 4, 5, 6, 7],
                "start": time(0),
                "end": time(23, 59),
            },
            fields={"mailboxes": [mailbox.pk]},
        )
        campaign_services.step_create(
            workspace=workspace,
            campaign=campaign,
            subject="Quick question, {{first_name|there}}",
            body=FIRST_BODY,
        )
        campaign_services.step_create(workspace=workspace, campaign=campaign, body=SECOND_BODY, delay_days=2)
        campaign_services.enrollments_add(
            workspace=workspace, campaign=campaign, leads=CONTACTS, source=Lead.Source.MANUAL
        )
        self.stdout.write(
            f"Demo campaign ready: open {CAMPAIGN_NAME!r} and press Start sending; messages land in "
            f"{settings.SMTP_SINK_DIR} and in its Sent log."
        )
