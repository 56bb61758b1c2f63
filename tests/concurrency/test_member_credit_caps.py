"""Per-member credit caps under real concurrency: parallel takes by one capped member never spend past the
cap (the cap is checked under the quota lock, rule 12), and a colleague's takes are not held to it."""

import pytest

from accounts.models import Role
from billing import services as billing_services
from billing.errors import MemberCreditCapReached
from billing.models import LedgerEntry
from leadfinder import services
from leadfinder.models import Download
from tests.concurrency.threads import run_together
from tests.factories import MembershipFactory, WorkspaceFactory, make_prospects

pytestmark = pytest.mark.django_db(transaction=True)

CAP = 10


def test_parallel_takes_by_one_capped_member_never_spend_past_the_cap():
    workspace = WorkspaceFactory()  # a trial: 100 credits, far more than the cap
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER)
    colleague = MembershipFactory(workspace=workspace, role=Role.MEMBER)
    billing_services.member_credit_cap_set(workspace=workspace, membership_id=member.pk, cap=CAP)
    prospects = make_prospects(16 * 3)

    def take(i):
        user = colleague.user if i >= 12 else member.user
        return services.download_create(
            workspace=workspace,
            prospect_ids=[p.pk for p in prospects[i * 3 : i * 3 + 3]],
            allow_partial=i % 2 == 0,
            actor=user,
        )

    outcomes = run_together([lambda i=i: take(i) for i in range(16)])

    refusals = [o for o in outcomes if not isinstance(o, Download)]
    assert all(isinstance(refusal, MemberCreditCapReached) for refusal in refusals), refusals
    assert refusals, "12 takes of 3 by one member capped at 10: some must be refused"
    debits = LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.DEBIT)
    member_spent = -sum(debits.filter(actor=member.user).values_list("amount", flat=True))
    assert member_spent == CAP
    assert -sum(debits.filter(actor=colleague.user).values_list("amount", flat=True)) == 4 * 3
    member_downloads = Download.objects.for_workspace(workspace).filter(created_by=member.user)
    assert sum(member_downloads.values_list("charged", flat=True)) == CAP
    for refusal in refusals:
        assert refusal.details["cap"] == CAP and refusal.details["spent"] > CAP - 3
