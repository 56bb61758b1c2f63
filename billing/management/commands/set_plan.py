from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from billing import services
from core.errors import DomainError


class Command(BaseCommand):
    help = "Moves the workspace SLUG to the plan CODE now, up or down; a new billing period starts."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("code")

    def handle(self, *args, slug, code, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {slug!r}.")
        try:
            subscription = services.subscription_set_plan(workspace=workspace, plan_code=code)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        start, end = subscription.current_period_start, subscription.current_period_end
        self.stdout.write(
            f"{workspace.slug} is on the {subscription.plan.name} plan; "
            f"the period runs from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC."
        )
