"""The quota refusals of rules 3 and 9 (HTTP 402), raised by billing.services for every caller."""

from core.errors import DomainError
from core.pages import plural


class ActiveLeadsLimitReached(DomainError):
    status_code = 402
    code = "active_leads_limit_reached"
    # Set by campaigns.services.enrollments_add_many: contacts that would be added anyway (no slot needed).
    already_active: int

    def __init__(self, *, requested, available, limit):
        super().__init__(
            f"Adding {requested} would go over the active-leads limit: {available} of {limit} are free.",
            details={"requested": requested, "available": available, "limit": limit},
        )


class InsufficientLeadCredits(DomainError):
    status_code = 402
    code = "insufficient_lead_credits"

    def __init__(self, *, needed, balance):
        super().__init__(
            f"This needs {plural(needed, 'lead credit')} and the balance is {balance:,}.",
            details={"needed": needed, "balance": balance},
        )


class MemberCreditCapReached(DomainError):
    """A member's take would spend past the credit cap an owner set for them (per billing period)."""

    status_code = 402
    code = "member_credit_cap_reached"

    def __init__(self, *, cap, spent):
        left = max(0, cap - spent)
        super().__init__(
            f"This goes over your lead-credit cap: {spent:,} of {cap:,} spent this period, "
            f"{plural(left, 'credit')} left. An owner can raise the cap.",
            details={"cap": cap, "spent": spent},
        )
