from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import Membership, Role, Workspace
from accounts.scopes import SCOPES
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Creates an API key for the workspace SLUG, on behalf of its owner, limited to the --scope given "
        "(repeat it; none: every scope). The last line printed is the key."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="Operator key")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            metavar="SCOPE",
            help=f"What the key may do: {', '.join(SCOPES)}. Repeat for several; none: every scope.",
        )

    def handle(self, *args, slug, name, scopes, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {slug!r}.")
        # A key acts with its creator's role and stops working if they are deactivated: an active owner.
        owner = (
            Membership.objects.for_workspace(workspace)
            .filter(role=Role.OWNER, user__is_active=True)
            .select_related("user")
            .order_by("created_at")
            .first()
        )
        if owner is None:
            raise CommandError(f"Workspace {slug!r} has no active owner to act for.")
        try:
            api_key, raw_key = services.api_key_create(
                workspace=workspace, name=name, created_by=owner.user, scopes=scopes
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        granted = "every scope" if api_key.scopes is None else ", ".join(api_key.scopes)
        self.stdout.write(f"Created API key {api_key.name!r} ({api_key.prefix}…) with {granted}.")
        self.stdout.write("It is shown only this once:")
        self.stdout.write(raw_key)
