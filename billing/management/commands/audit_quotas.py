from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from billing import quota_sources, services
from core.pages import plural


class Command(BaseCommand):
    help = (
        "Recomputes every workspace's active leads used and lead-credit balance from the source tables and "
        "prints the differences; exits 1 if there are any. --fix repairs the counters and still reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="repair the counters that differ")

    def handle(self, *args, fix, **options):
        if quota_sources.active_leads_counter() is None:
            self.stdout.write(
                "active_leads_used not checked: no active-leads counter is registered "
                "(the campaigns app registers one with billing.quota_sources.register_active_leads_counter)."
            )
        found = 0
        workspaces = Workspace.objects.order_by("pk")
        for workspace in workspaces:
            for difference in services.quota_audit(workspace=workspace, fix=fix):
                found += 1
                self.stdout.write(f"{workspace.slug}: {difference}")
        audited = f"{plural(workspaces.count(), 'workspace')} audited"
        if found:
            outcome = (
                "counters and grants repaired (the ledger is never rewritten)"
                if fix
                else "--fix repairs counters"
            )
            raise CommandError(f"{audited}, {plural(found, 'difference')} found; {outcome}.", returncode=1)
        self.stdout.write(f"{audited}, no differences.")
