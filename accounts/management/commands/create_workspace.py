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

    @transaction.atomic
    def handle(self, *args, name, owner, password, **options):
        email = normalize_email_address(owner)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password)
            self.stdout.write(f"Created user {email}")
        elif password:
            raise CommandError(f"{email} already exists; --password only sets the password of a new user.")
        try:
            workspace = services.workspace_create(name=name, owner=user)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created workspace {workspace.name!r} owned by {email}")
        self.stdout.write(workspace.slug)
