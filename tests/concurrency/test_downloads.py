"""Rules 7, 9 and 12 under real concurrency: parallel Lead Finder downloads by one workspace."""

import pytest

from billing import selectors as billing_selectors
from billing.errors import InsufficientLeadCredits
from billing.models import LedgerEntry
from leadfinder import services
from leadfinder.models import Download, Ownership
from leads.models import Lead
from tests.concurrency.threads import run_together
from tests.factories import WorkspaceFactory, make_prospects

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_parallel_overlapping_downloads_charge_each_prospect_once_and_never_overdraw():
    workspace = WorkspaceFactory()  # a trial: 100 credits
    prospects = make_prospects(150)

    def download(i):
        window = prospects[i * 6 : i * 6 + 30]
        return services.download_create(
            workspace=workspace, prospect_ids=[p.pk for p in window], allow_partial=i % 2 == 0
        )

    outcomes = run_together([lambda i=i: download(i) for i in range(20)])

    downloads = [o for o in outcomes if isinstance(o, Download)]
    refusals = [o for o in outcomes if not isinstance(o, Download)]
    assert all(isinstance(refusal, InsufficientLeadCredits) for refusal in refusals), refusals
    assert downloads
    charged = sum(d.charged for d in downloads)
    owned = Ownership.objects.for_workspace(workspace)
    assert owned.count() == owned.values("prospect").distinct().count() == charged
    assert charged == 100
    assert Lead.objects.for_workspace(workspace).count() == charged
    entries = LedgerEntry.objects.for_workspace(workspace)
    debits = entries.filter(kind=LedgerEntry.Kind.DEBIT)
    assert -sum(debits.values_list("amount", flat=True)) == charged
    balance = billing_selectors.lead_credits_balance(workspace=workspace)
    assert balance == 100 - charged == sum(entries.values_list("amount", flat=True)) == 0
    assert all(after >= 0 for after in entries.values_list("balance_after", flat=True))
    for d in downloads:
        assert d.requested == d.charged + d.already_owned + d.skipped_no_email + d.not_added_over_limit
