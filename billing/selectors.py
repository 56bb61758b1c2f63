"""Reads of plans, subscriptions, usage and the ledger.

A read of the balance, the usage or the ledger first brings the workspace up to its ``now``
(``services.quota_catch_up``: writes the expiry entries that are due, locking only then) and reads at
that ``now``, so the balance it shows is always the sum of the ledger (rule 6), for every reader.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from django.db.models import Q, QuerySet, Sum

from accounts.models import Membership, Role, User, Workspace
from billing import quota_sources, services
from billing.models import (
    AddOn,
    CreditGrant,
    CreditPack,
    LedgerEntry,
    MemberCreditCap,
    Plan,
    Quota,
    Subscription,
    SubscriptionAddOn,
)
from core.tenancy import TenantQuerySet


class ActiveLeadsUsage(TypedDict):
    limit: int
    used: int
    available: int


class LeadCreditsUsage(TypedDict):
    balance: int
    monthly_allowance: int
    expiring_at_period_end: int
    period_end: datetime


class Usage(TypedDict):
    active_leads: ActiveLeadsUsage
    lead_credits: LeadCreditsUsage


def plans() -> QuerySet[Plan]:
    return Plan.objects.order_by("price_cents", "code")


def credit_packs() -> QuerySet[CreditPack]:
    return CreditPack.objects.order_by("credits", "code")


def subscription_for_workspace(*, workspace: Workspace) -> Subscription:
    return Subscription.objects.for_workspace(workspace).select_related("plan", "scheduled_plan").get()


def unexpired_grants(workspace: Workspace, now: datetime) -> TenantQuerySet[CreditGrant]:
    """The workspace's grants that have not expired at ``now`` (what the balance adds up)."""
    return CreditGrant.objects.for_workspace(workspace).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def lead_credits_balance(*, workspace: Workspace, now: datetime | None = None) -> int:
    now = services.quota_catch_up(workspace=workspace, now=now)
    total = unexpired_grants(workspace, now).aggregate(total=Sum("remaining"))["total"]
    return total or 0


def usage_for_workspace(*, workspace: Workspace) -> Usage:
    """The ``/usage`` answer: active-lead slots and lead credits, read from counters, never counted."""
    now = services.quota_catch_up(workspace=workspace)
    quota = Quota.objects.for_workspace(workspace).get()
    subscription = subscription_for_workspace(workspace=workspace)
    period_end = subscription.current_period_end
    credits = unexpired_grants(workspace, now).aggregate(
        balance=Sum("remaining"),
        expiring=Sum("remaining", filter=Q(expires_at__lte=period_end)),
    )
    return {
        "active_leads": {
            "limit": quota.active_leads_limit,
            "used": quota.active_leads_used,
            "available": quota.active_leads_available,
        },
        "lead_credits": {
            "balance": credits["balance"] or 0,
            "monthly_allowance": subscription.plan.monthly_lead_credits,
            "expiring_at_period_end": credits["expiring"] or 0,
            "period_end": period_end,
        },
    }


def ledger_for_workspace(*, workspace: Workspace) -> TenantQuerySet[LedgerEntry]:
    services.quota_catch_up(workspace=workspace)
    return LedgerEntry.objects.for_workspace(workspace)


def addons_for_workspace(*, workspace: Workspace) -> list[AddOn]:
    """Every add-on with the workspace's quantity and whether its plan may take it."""
    plan = subscription_for_workspace(workspace=workspace).plan
    held = dict(SubscriptionAddOn.objects.for_workspace(workspace).values_list("addon_id", "quantity"))
    offered_on_plan = set(plan.addons.values_list("pk", flat=True))
    addons = list(AddOn.objects.order_by("code"))
    for addon in addons:
        addon.quantity = held.get(addon.pk, 0)
        addon.available_on_plan = addon.pk in offered_on_plan
    return addons


def addon_for_workspace(*, workspace: Workspace, code: str) -> AddOn:
    return next(addon for addon in addons_for_workspace(workspace=workspace) if addon.code == code)


def ledger_entry_of_grant(*, workspace: Workspace, grant: CreditGrant) -> LedgerEntry:
    """The entry that issued ``grant`` (a grant or an adjustment)."""
    return LedgerEntry.objects.for_workspace(workspace).get(
        movements__grant=grant, kind__in=[LedgerEntry.Kind.GRANT, LedgerEntry.Kind.ADJUSTMENT]
    )


def release_finished_leads_of(*, workspace: Workspace) -> bool:
    """The workspace's ``release_finished_leads`` setting (rule 22), as committed. A reader's value: a
    writer reads it from the quota row it locked (``services.quota_lock``)."""
    return Quota.objects.for_workspace(workspace).values_list("release_finished_leads", flat=True).get()


def finished_leads_kept(*, workspace: Workspace) -> int:
    """How many contacts a finished sequence keeps in campaigns without a slot (rule 22): none while the
    setting is off (they hold slots then). Counted from the enrollments by the app that registered the
    counter (billing.quota_sources); 0 while none did."""
    counter = quota_sources.finished_leads_counter()
    if counter is None or not release_finished_leads_of(workspace=workspace):
        return 0
    return counter(workspace)


@dataclass(frozen=True)
class MemberCredits:
    """One member's lead-credit spending this period and the cap an owner set (None: uncapped)."""

    membership: Membership
    cap: int | None
    spent: int

    @property
    def capped(self) -> bool:
        return self.cap is not None

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.spent)

    @property
    def can_be_capped(self) -> bool:
        return self.membership.role != Role.OWNER


def member_credits_for_workspace(*, workspace: Workspace) -> list[MemberCredits]:
    """Every member with what they spent this billing period and their cap, by email. An owner shows
    no cap (owners are never capped, even if they were before a promotion)."""
    services.quota_catch_up(workspace=workspace)
    members = list(Membership.objects.for_workspace(workspace).select_related("user").order_by("user__email"))
    caps = dict(MemberCreditCap.objects.for_workspace(workspace).values_list("membership_id", "cap"))
    since = subscription_for_workspace(workspace=workspace).current_period_start
    spent = services.member_credits_spent(
        workspace=workspace, user_ids=[member.user_id for member in members], since=since
    )
    return [
        MemberCredits(
            membership=member,
            cap=caps.get(member.pk) if member.role != Role.OWNER else None,
            spent=spent[member.user_id],
        )
        for member in members
    ]


def member_credits_of(*, workspace: Workspace, membership_id: object) -> MemberCredits:
    """One member's ``MemberCredits``; another workspace's id is a 404."""
    membership = Membership.objects.get_for_workspace_or_404(workspace, membership_id)
    return next(
        credits
        for credits in member_credits_for_workspace(workspace=workspace)
        if credits.membership.pk == membership.pk
    )


def member_credit_room(*, workspace: Workspace, user: User | None) -> services.MemberCreditRoom | None:
    """What ``user`` may still spend under their cap this period, as things stand (no lock: a take
    decides again under it); None when uncapped."""
    services.quota_catch_up(workspace=workspace)
    return services.member_credit_room(workspace=workspace, user=user)
