from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Membership, User

DEMO_EMAIL = "demo@leadpool.localhost"
DEMO_PASSWORD = "leadpool-demo"  # noqa: S105 - a published demo login for local first runs
DEMO_WORKSPACE = "Demo Workspace"
DEMO_PROSPECTS = 3_000


class Command(BaseCommand):
    help = (
        "Creates the demo user and workspace and a few thousand Lead Finder prospects for a first run; "
        "does nothing if they are already there."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        # By name: accounts imports none of the apps (the Lead Finder's command does nothing if it has data).
        call_command("seed_prospects", count=DEMO_PROSPECTS, seed=1, if_empty=True, stdout=self.stdout)
        if User.objects.filter(email=DEMO_EMAIL).exists():
            membership = Membership.objects.unscoped().filter(user__email=DEMO_EMAIL).order_by("pk").first()
            if membership is not None:
                call_command("seed_demo_campaign", membership.workspace.slug, stdout=self.stdout)
            self.stdout.write(
                f"Demo data already there. Log in at http://127.0.0.1:8000/ as {DEMO_EMAIL} / {DEMO_PASSWORD}"
            )
            return
        user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Demo User")
        workspace = services.workspace_create(name=DEMO_WORKSPACE, owner=user)
        # By name too: a mailbox to the local SMTP sink and a two-step campaign, ready to start.
        call_command("seed_demo_campaign", workspace.slug, stdout=self.stdout)
        self.stdout.write(f"Demo ready. Log in at http://127.0.0.1:8000/ as {DEMO_EMAIL} / {DEMO_PASSWORD}")
