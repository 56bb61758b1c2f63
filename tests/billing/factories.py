"""Billing state is made through billing.services, the way the product makes it."""

import factory
from django.db import transaction

from billing import selectors, services
from billing.models import CreditGrant, CreditMovement, LedgerEntry
from tests.factories import WorkspaceFactory


class CreditGrantFactory(factory.Factory):
    """A grant with its ledger entry; an admin adjustment that never expires unless told otherwise."""

    class Meta:
        model = CreditGrant

    workspace = factory.SubFactory(WorkspaceFactory)
    amount = 500
    source = CreditGrant.Source.ADJUSTMENT
    expires_at = None
    description = factory.LazyAttribute(lambda grant: f"Test grant of {grant.amount}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.lead_credits_grant(**kwargs)


def debit_credits(workspace, amount, *, allow_partial=False, reference="", description=None):
    """Spends credits as the Lead Finder does: one transaction that locks the quota row, then debits."""
    with transaction.atomic():
        return services.lead_credits_debit(
            quota=services.quota_lock(workspace=workspace),
            amount=amount,
            allow_partial=allow_partial,
            description=description or f"Test debit of {amount}",
            reference=reference,
        )


def take_slots(workspace, count, *, allow_partial=False):
    """Takes active-lead slots as campaigns do: one transaction that locks the quota row, then reserves."""
    with transaction.atomic():
        quota = services.quota_lock(workspace=workspace)
        return services.active_leads_reserve(quota=quota, count=count, allow_partial=allow_partial)


def free_slots(workspace, count):
    """Frees active-lead slots as campaigns do, under the quota lock."""
    with transaction.atomic():
        return services.active_leads_release(quota=services.quota_lock(workspace=workspace), count=count)


def ledger_sum(workspace):
    """The sum of the ledger as a reader sees it (the API, the dashboard)."""
    return sum(selectors.ledger_for_workspace(workspace=workspace).values_list("amount", flat=True))


def ledger_kinds(workspace):
    return list(LedgerEntry.objects.for_workspace(workspace).order_by("id").values_list("kind", "amount"))


def draws_of(entry):
    """[(grant id, amount)] of a ledger entry, in the order they were applied."""
    return list(
        CreditMovement.objects.for_workspace(entry.workspace)
        .filter(entry=entry)
        .order_by("id")
        .values_list("grant_id", "amount")
    )
