"""Rule 22 under real concurrency: the workspace's ``release_finished_leads`` switched both ways while
other requests add contacts, finish sequences and remove contacts; ``used`` stays exactly what the
enrollments say, and ``audit_quotas`` finds nothing."""

import pytest
from django.core.management import call_command

from billing import services as billing_services
from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from campaigns import services
from campaigns.selectors import active_leads_used_by_enrollments
from leads.models import Lead
from tests.concurrency.threads import run_together
from tests.factories import CampaignFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_switching_the_setting_during_additions_and_finishes_keeps_used_exact():
    workspace = WorkspaceFactory()  # a trial: 250 active leads
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    Lead.objects.bulk_create(
        Lead(workspace=workspace, email=f"pool{number}@example.com") for number in range(400)
    )
    pool = list(Lead.objects.for_workspace(workspace).order_by("id").values_list("pk", flat=True))
    services.enrollments_add(workspace=workspace, campaign=first, lead_ids=pool[:120])
    services.enrollments_add(workspace=workspace, campaign=second, lead_ids=pool[60:160])
    services.enrollments_finish(workspace=workspace, campaign=first, lead_ids=pool[:80], status="completed")

    def add(i):
        campaign = (first, second)[i % 2]
        ids = pool[100 + i * 25 : 100 + i * 25 + 60]
        return lambda: services.enrollments_add(
            workspace=workspace, campaign=campaign, lead_ids=ids, allow_partial=True
        )

    def finish(i):
        status = ("replied", "bounced", "unsubscribed", "completed")[i % 4]
        ids = pool[i * 30 : i * 30 + 45]
        return lambda: services.enrollments_finish(workspace=workspace, lead_ids=ids, status=status)

    def switch(value):
        return lambda: billing_services.release_finished_leads_set(workspace=workspace, value=value)

    def remove():
        return services.enrollments_remove(workspace=workspace, campaign=second, lead_ids=pool[60:90])

    actions = (
        [add(i) for i in range(8)]
        + [finish(i) for i in range(6)]
        + [switch(False), switch(True), switch(False), switch(True), switch(False), remove]
    )
    outcomes = run_together(actions)

    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert all(isinstance(error, ActiveLeadsLimitReached) for error in errors), errors
    quota = Quota.objects.for_workspace(workspace).get()
    assert quota.active_leads_used == active_leads_used_by_enrollments(
        workspace, release_finished=quota.release_finished_leads
    )
    call_command("audit_quotas")

    # And back the other way, with everything that happened since.
    billing_services.release_finished_leads_set(workspace=workspace, value=not quota.release_finished_leads)
    call_command("audit_quotas")
