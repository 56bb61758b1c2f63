"""Rules 1, 3 and 12 under real concurrency: many requests adding to and removing from two campaigns
of one workspace at the same moment, past its active-leads limit."""

import threading

import pytest
from django.core.management import call_command
from django.db import transaction

from billing.errors import ActiveLeadsLimitReached
from billing.models import Quota
from campaigns import services
from campaigns.models import Campaign, Enrollment
from campaigns.selectors import active_leads_used_by_enrollments
from core.errors import Conflict
from leads.models import Lead
from tests.concurrency.threads import backend_pid, run_together, waits_for_lock
from tests.factories import CampaignFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def test_simultaneous_additions_and_removals_never_pass_the_limit_and_keep_the_counter_true():
    workspace = WorkspaceFactory()  # a trial: 250 active leads
    first, second = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    Lead.objects.bulk_create(
        Lead(workspace=workspace, email=f"pool{number}@example.com") for number in range(400)
    )
    pool = list(Lead.objects.for_workspace(workspace).order_by("id").values_list("pk", flat=True))
    services.enrollments_add(workspace=workspace, campaign=first, lead_ids=pool[:120])
    services.enrollments_add(workspace=workspace, campaign=second, lead_ids=pool[60:180])

    def add(i):
        campaign = (first, second)[i % 2]
        ids = pool[i * 20 : i * 20 + 60]  # neighbours overlap by 40; both campaigns share contacts
        new = [{"email": f"new{(i * 7 + n) % 30}@example.com"} for n in range(10)]
        return lambda: services.enrollments_add(
            workspace=workspace, campaign=campaign, lead_ids=ids, leads=new, allow_partial=i % 3 != 0
        )

    def remove(i):
        campaign = (first, second)[i % 2]
        return lambda: services.enrollments_remove(
            workspace=workspace, campaign=campaign, lead_ids=pool[i * 15 : i * 15 + 50]
        )

    def delete_leads():
        for lead in Lead.objects.for_workspace(workspace).filter(pk__in=pool[100:105]):
            services.lead_delete(workspace=workspace, lead=lead)

    def archive_and_back():
        services.campaign_set_status(workspace=workspace, campaign=second, status=Campaign.Status.ARCHIVED)
        services.campaign_set_status(workspace=workspace, campaign=second, status=Campaign.Status.PAUSED)

    actions = [add(i) for i in range(12)] + [remove(i) for i in range(6)] + [delete_leads, archive_and_back]
    assert len(actions) == THREADS

    outcomes = run_together(actions)

    # Refusals are the limit's, or an addition that met the second campaign while it was archived.
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert all(isinstance(error, ActiveLeadsLimitReached | Conflict) for error in errors), errors
    quota = Quota.objects.for_workspace(workspace).get()
    assert quota.active_leads_used <= quota.active_leads_limit == 250
    assert quota.active_leads_used == active_leads_used_by_enrollments(workspace)
    for campaign in Campaign.objects.for_workspace(workspace):
        assert (
            campaign.lead_count
            == Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).count()
        )
    call_command("audit_quotas")


def test_renaming_and_changing_status_at_once_waits_for_an_enrolment_instead_of_deadlocking(monkeypatch):
    """Quota row first, always: the PATCH of name and status used to write the campaign's row (the
    rename) before it locked the quota row, while an enrolment holding the quota row went on to update
    the campaign's lead count: PostgreSQL found a deadlock and one of them failed."""
    workspace = WorkspaceFactory()
    campaign = CampaignFactory(workspace=workspace)
    pool = [Lead.objects.create(workspace=workspace, email=f"p{number}@example.com") for number in range(3)]
    services.enrollments_add(workspace=workspace, campaign=campaign, lead_ids=[pool[0].pk])
    holding, renaming, lead_states = threading.Event(), threading.Event(), services._lead_states
    renamer = []

    def lead_states_until_the_rename_waits(*args, **kwargs):
        states = lead_states(*args, **kwargs)
        holding.set()  # the enrolment holds the quota row now
        assert renaming.wait(10)
        assert waits_for_lock(renamer[0], held_by=backend_pid())
        return states

    monkeypatch.setattr(services, "_lead_states", lead_states_until_the_rename_waits)

    def enrol():
        return services.enrollments_add(
            workspace=workspace, campaign=campaign, lead_ids=[lead.pk for lead in pool[1:]]
        )

    def rename_and_pause():
        with transaction.atomic():  # the pid of the transaction that waits (stable behind a pooler)
            renamer.append(backend_pid())
            renaming.set()
            assert holding.wait(10)
            return services.campaign_update(
                workspace=workspace, campaign=campaign, name="Renamed", status="paused"
            )

    outcomes = run_together([enrol, rename_and_pause])

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    campaign = Campaign.objects.for_workspace(workspace).get(pk=campaign.pk)
    assert (campaign.name, campaign.status, campaign.lead_count) == ("Renamed", "paused", 3)
    call_command("audit_quotas")
