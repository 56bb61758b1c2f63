"""Rules 3, 6, 8 and 12 under real concurrency: Lead Finder takes into a campaign racing plain adds to
it, past both the workspace's active-lead slots and its lead credits."""

import pytest
from django.core.management import call_command

from billing import selectors as billing_selectors
from billing import services as billing_services
from billing.errors import ActiveLeadsLimitReached, InsufficientLeadCredits
from billing.models import CreditGrant, LedgerEntry, Quota
from campaigns import services as campaign_services
from campaigns.models import Enrollment
from campaigns.selectors import active_leads_used_by_enrollments
from campaigns.services import EnrollmentResult
from leadfinder import services as leadfinder_services
from leadfinder.models import Download, Ownership
from leads.models import Lead
from tests.concurrency.threads import run_together
from tests.factories import CampaignFactory, WorkspaceFactory, make_prospects

pytestmark = pytest.mark.django_db(transaction=True)

CREDITS = 100 + 200  # the trial's monthly credits and an adjustment: more credits than slots


def test_takes_into_a_campaign_racing_plain_adds_spend_credits_only_on_prospects_they_added(capsys):
    workspace = WorkspaceFactory()  # a trial: 250 active leads, 100 credits
    billing_services.lead_credits_grant(
        workspace=workspace, amount=200, source=CreditGrant.Source.ADJUSTMENT, description="Goodwill"
    )
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(200)
    Lead.objects.bulk_create(Lead(workspace=workspace, email=f"own{n}@example.org") for n in range(200))
    own = list(Lead.objects.for_workspace(workspace).order_by("id").values_list("pk", flat=True))

    def take(i):
        window = prospects[i * 25 : i * 25 + 50]  # neighbours overlap by 25
        return lambda: leadfinder_services.download_create(
            workspace=workspace,
            prospect_ids=[p.pk for p in window],
            campaign=campaign,
            allow_partial=i % 3 != 0,
        )

    def add(i):
        return lambda: campaign_services.enrollments_add(
            workspace=workspace,
            campaign=campaign,
            lead_ids=own[i * 25 : i * 25 + 50],
            allow_partial=i % 3 != 0,
        )

    outcomes = run_together([take(i) for i in range(7)] + [add(i) for i in range(7)])

    takes = [o for o in outcomes[:7] if isinstance(o, Download)]
    adds = [o for o in outcomes[7:] if isinstance(o, EnrollmentResult)]
    refusals = [o for o in outcomes if not isinstance(o, (Download, EnrollmentResult))]
    assert all(isinstance(r, (ActiveLeadsLimitReached, InsufficientLeadCredits)) for r in refusals), refusals
    assert takes and adds

    # Rules 3 and 12: never past the limit, and the counter is what the enrollments say.
    quota = Quota.objects.for_workspace(workspace).get()
    assert quota.active_leads_used == active_leads_used_by_enrollments(workspace) <= quota.active_leads_limit

    # Rule 8: a credit for each prospect newly owned, and every one of them is in the campaign.
    charged = sum(download.charged for download in takes)
    debits = LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.DEBIT)
    assert -sum(debits.values_list("amount", flat=True)) == charged
    owned_contacts = set(Ownership.objects.for_workspace(workspace).values_list("lead", flat=True))
    assert len(owned_contacts) == Ownership.objects.for_workspace(workspace).count() == charged
    enrolled = set(
        Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).values_list("lead", flat=True)
    )
    assert owned_contacts <= enrolled
    for download in takes:
        assert download.requested == (
            download.charged
            + download.already_owned
            + download.skipped_no_email
            + download.not_added_over_limit
        )
        assert (
            download.added_to_campaign + download.already_in_campaign
            == download.charged + download.already_owned
        )

    # Rule 6: the ledger adds up to the balance, and the audit finds nothing to say.
    ledger = LedgerEntry.objects.for_workspace(workspace)
    balance = billing_selectors.lead_credits_balance(workspace=workspace)
    assert sum(ledger.values_list("amount", flat=True)) == balance == CREDITS - charged
    call_command("audit_quotas")
    assert "no differences" in capsys.readouterr().out
