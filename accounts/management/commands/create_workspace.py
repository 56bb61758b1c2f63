from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services
from accounts.models import User, normalize_email_address
from config.errors import DomainError


class Command(BaseCommand):
    help = (
        "Creates a workspace owned by EMAIL (creating that user if new). The last line printed is the slug."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, help="email of the owner")
        parser.add_argument("--password", help="password for a new owner (without it the owner resets it)")
        parser.add_argument("--plan", default="trial", help="code of the subscription plan (default: trial)")

    @transaction.atomic
    def handle(self, *args, name, owner, password, plan, **options):
        email = normalize_email_address(owner)
        user = User.objects.filter(email=email).first()
        new_user = user is None
        if new_user:
            user = User.objects.create_user(email, password)
        elif password:
            raise CommandError(f"{email} already exists; --password only sets the password of a new user.")
        try:
            workspace = services.workspace_create(name=name, owner=user, plan_code=plan)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if new_user:
            self.stdout.write(f"Created user {email}")
        self.stdout.write(f"Created workspace {workspace.name!r} owned by {email} on the {plan} plan")
        self.stdout.write(workspace.slug)
