"""The only door to active-lead slots, lead credits and plans (DESIGN.md rules 1-6, 9, 12).

Callers write ``from billing import services`` and ``services.<function>``; the package's modules are
``base`` (the quota lock and the period catch-up), ``active_leads``, ``credits``, ``caps`` (per-member
credit caps), ``subscriptions`` and ``audit``. Each imports ``base`` and none imports another, so the
package has no import circle.

Lock once, at the door: a public service (here, in campaigns, the Lead Finder, the import) takes the
workspace's quota row lock first, through ``quota_lock``, and hands the locked row to the inner
functions (``active_leads_reserve``, ``active_leads_release``, ``lead_credits_debit``), which require
it instead of locking again. Lock order is quota row first, always.

Time, and why ``balance == sum(ledger)`` holds for every observer (rule 6): a grant's credits expire
when its ``expiry`` entry is written, and that entry is written before anyone can see the difference.
Taking the lock brings the workspace up to now before anything else (an ended period is renewed, due
``expiry`` entries are written), so every change starts from a ledger whose sum is the balance. Every
read of a balance, the usage or the ledger (billing.selectors) first calls ``quota_catch_up``, which
does the same in its own short transaction, taking the lock only when something is due (rarely: once
per grant that expires); it then reads at that same ``now``, when no grant that has expired still holds
credits. The renewal task (beat) does the same for workspaces nobody reads or touches.
"""

from billing.services.active_leads import (
    active_leads_limit_refresh,
    active_leads_release,
    active_leads_reserve,
    release_finished_leads_set,
)
from billing.services.audit import QuotaAudit, quota_audit, quota_audit_report
from billing.services.base import quota_catch_up, quota_lock, require_locked
from billing.services.caps import MAX_MEMBER_CREDIT_CAP, member_credit_cap_set
from billing.services.credits import (
    MAX_GRANT_CREDITS,
    MemberCreditRoom,
    credit_pack_purchase,
    lead_credits_debit,
    lead_credits_grant,
    lead_credits_low_threshold,
    lead_credits_refund,
    member_credit_room,
    member_credits_spent,
)
from billing.services.subscriptions import (
    DEFAULT_PLAN_CODE,
    MAX_ADDON_QUANTITY,
    subscription_addon_set,
    subscription_change_plan,
    subscription_create,
    subscription_renew,
    subscription_set_plan,
    subscriptions_renew_due,
)

__all__ = [
    "DEFAULT_PLAN_CODE",
    "MAX_ADDON_QUANTITY",
    "MAX_GRANT_CREDITS",
    "MAX_MEMBER_CREDIT_CAP",
    "MemberCreditRoom",
    "QuotaAudit",
    "active_leads_limit_refresh",
    "active_leads_release",
    "active_leads_reserve",
    "credit_pack_purchase",
    "lead_credits_debit",
    "lead_credits_grant",
    "lead_credits_low_threshold",
    "lead_credits_refund",
    "member_credit_cap_set",
    "member_credit_room",
    "member_credits_spent",
    "quota_audit",
    "quota_audit_report",
    "quota_catch_up",
    "quota_lock",
    "release_finished_leads_set",
    "require_locked",
    "subscription_addon_set",
    "subscription_change_plan",
    "subscription_create",
    "subscription_renew",
    "subscription_set_plan",
    "subscriptions_renew_due",
]
