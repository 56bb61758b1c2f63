from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from billing import quota_sources, services
from core.pages import plural


def active_leads_counted(report: services.QuotaAudit) -> str:
    """What the enrollments say, live and finished (rule 22): "used 120 (live); 35 finished kept
    without a slot", or, with the setting off, what the finished ones still hold."""
    if report.release_finished:
        return f"used {report.used} (live); {report.finished_kept} finished kept without a slot"
    return f"used {report.used} (live and finished: release_finished_leads is off)"


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
            report = services.quota_audit_report(workspace=workspace, fix=fix)
            if report.used is not None:
                self.stdout.write(f"{workspace.slug}: {active_leads_counted(report)}")
            for difference in report.differences:
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
