"""How plan periods, add-ons and credit packs are paid for.

Services call ``charge()`` and never talk to a provider. Today there is one provider, ``manual``: the
operator settles outside Leadpool and the payment is recorded as paid. A processor (Stripe, Paddle…)
is another class with the same ``charge()`` listed in ``PROVIDERS`` and chosen with the
``BILLING_PAYMENT_PROVIDER`` setting; it raises a ``DomainError`` (402 ``payment_failed``) when a charge
is declined, which rolls back the plan change or purchase around it. The quota rules do not change.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accounts.models import User, Workspace
from billing.models import Payment

DESCRIPTION_MAX_LENGTH = Payment._meta.get_field("description").max_length


class ManualProvider:
    """Records the payment as paid; the money is settled by hand (invoice, bank transfer)."""

    name = "manual"

    def charge(self, *, workspace, amount_cents, description):
        """Takes the money and returns the provider's reference for the payment."""
        return f"manual_{uuid.uuid4().hex}"


PROVIDERS = {ManualProvider.name: ManualProvider()}


def payment_provider():
    try:
        return PROVIDERS[settings.BILLING_PAYMENT_PROVIDER]
    except KeyError as exc:
        raise ImproperlyConfigured(
            f"BILLING_PAYMENT_PROVIDER must be one of {sorted(PROVIDERS)}, "
            f"not {settings.BILLING_PAYMENT_PROVIDER!r}."
        ) from exc


def charge(
    *,
    workspace: Workspace,
    amount_cents: int,
    purpose: Payment.Purpose,
    description: str,
    actor: User | None = None,
) -> Payment | None:
    """Charges the workspace and records the Payment; nothing to charge (free plan) returns None."""
    if amount_cents == 0:
        return None
    provider = payment_provider()
    provider_reference = provider.charge(
        workspace=workspace, amount_cents=amount_cents, description=description
    )
    return Payment.objects.create(
        workspace=workspace,
        purpose=purpose,
        amount_cents=amount_cents,
        description=description[:DESCRIPTION_MAX_LENGTH],
        provider=provider.name,
        provider_reference=provider_reference,
        created_by=actor,
    )
