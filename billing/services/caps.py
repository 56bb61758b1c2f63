"""Per-member credit caps: how many lead credits an owner lets a member spend in each billing period.

``credits.lead_credits_debit`` enforces them under the quota lock; this module sets and clears them.
"""

from django.db import transaction

from accounts.models import Membership, Role, User, Workspace
from billing.models import MemberCreditCap
from billing.services.base import quota_lock
from core.errors import DomainError

# The highest cap an owner can set: far past any plan's monthly credits.
MAX_MEMBER_CREDIT_CAP = 10_000_000


@transaction.atomic
def member_credit_cap_set(
    *, workspace: Workspace, membership_id: object, cap: int | None, actor: User | None = None
) -> MemberCreditCap | None:
    """Caps what member ``membership_id`` may spend per period at ``cap`` credits (0: nothing), or with
    None removes their cap. Owners are never capped. Another workspace's member is a 404. Takes the
    quota lock, so a take running now finishes under the cap it started with and the next one sees the
    new cap. Returns the cap, or None when removed. The caller checks that ``actor`` is an owner."""
    membership = Membership.objects.get_for_workspace_or_404(workspace, membership_id)
    if cap is not None:
        if isinstance(cap, bool) or not isinstance(cap, int) or not 0 <= cap <= MAX_MEMBER_CREDIT_CAP:
            message = f"A whole number from 0 to {MAX_MEMBER_CREDIT_CAP:,}."
            raise DomainError(f"The credit cap must be {message[2:]}", details={"cap": [message]})
        if membership.role == Role.OWNER:
            message = "Owners are not capped: they hold billing and could lift their own cap."
            raise DomainError(message, details={"cap": [message]})
    quota_lock(workspace=workspace)
    caps = MemberCreditCap.objects.for_workspace(workspace)
    if cap is None:
        caps.filter(membership=membership).delete()
        return None
    credit_cap, _ = caps.update_or_create(
        workspace=workspace, membership=membership, defaults={"cap": cap, "set_by": actor}
    )
    return credit_cap
