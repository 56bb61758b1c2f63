from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import User

DEMO_EMAIL = "demo@leadpool.localhost"
DEMO_PASSWORD = "leadpool-demo"  # noqa: S105 - a published demo login for local first runs
DEMO_WORKSPACE = "Demo Workspace"


class Command(BaseCommand):
    help = "Creates the demo user and workspace for a first run; does nothing if they are already there."

    @transaction.atomic
    def handle(self, *args, **options):
        if User.objects.filter(email=DEMO_EMAIL).exists():
            self.stdout.write(
                f"Demo data already there. Log in at http://127.0.0.1:8000/ as {DEMO_EMAIL} / {DEMO_PASSWORD}"
            )
            return
        user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Demo User")
        services.workspace_create(name=DEMO_WORKSPACE, owner=user)
        self.stdout.write(f"Demo ready. Log in at http://127.0.0.1:8000/ as {DEMO_EMAIL} / {DEMO_PASSWORD}")
