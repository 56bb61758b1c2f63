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
