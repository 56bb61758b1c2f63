from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts import services
from accounts.models import User, normalize_email_address
from core.errors import DomainError


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
        try:
            validate_email(email)
        except ValidationError:
            message = f"--owner {owner!r} is not an email address (owners log in with one)."
            raise CommandError(message) from None
        user = User.objects.filter(email=email).first()
        new_user = user is None
        if new_user:
            if password is not None:
                try:
                    validate_password(password, User(email=email))
                except ValidationError as exc:
                    raise CommandError(f"Choose a stronger --password: {' '.join(exc.messages)}") from None
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
