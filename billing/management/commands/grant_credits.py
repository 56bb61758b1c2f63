from datetime import UTC

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Workspace
from billing import services
from billing.models import CreditGrant
from core.errors import DomainError


def _moment(value):
    """An ISO date or date-time; without a time zone it is UTC, a bare date means its midnight."""
    try:
        moment = parse_datetime(value)  # a bare date too, since Python 3.11
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f"--expires-at {value!r} is not an ISO date or date-time.")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Grants AMOUNT lead credits to the workspace SLUG as an admin adjustment, with a ledger entry."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("amount", type=int)
        parser.add_argument("--reason", required=True, help="why, for the ledger")
        parser.add_argument("--expires-at", help="ISO date or date-time (UTC unless it says); default: never")

    def handle(self, *args, slug, amount, reason, expires_at, **options):
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"No workspace with slug {slug!r}.")
        if amount < 1:
            raise CommandError("AMOUNT must be at least 1.")
        if not reason.strip():
            raise CommandError("--reason must say why.")
        try:
            grant = services.lead_credits_grant(
                workspace=workspace,
                amount=amount,
                source=CreditGrant.Source.ADJUSTMENT,
                description=f"Operator grant: {reason.strip()}",
                expires_at=_moment(expires_at) if expires_at else None,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        expiry = f"expiring {grant.expires_at:%Y-%m-%d %H:%M} UTC" if grant.expires_at else "never expiring"
        self.stdout.write(f"Granted {amount} lead credits to {workspace.slug}, {expiry}.")
