"""Where ``audit_quotas`` finds the truth behind the ``active_leads_used`` counter.

Billing must not import the apps that own enrollments, so they register a counter here instead. The
campaigns app calls, from its ``AppConfig.ready()``::

    register_active_leads_counter(count_distinct_enrolled_contacts)

where the function takes a workspace and returns how many distinct contacts of that workspace are
enrolled in at least one campaign that is not archived (rule 1).
"""

from collections.abc import Callable

from accounts.models import Workspace

type ActiveLeadsCounter = Callable[[Workspace], int]

_active_leads_counter: ActiveLeadsCounter | None = None


def register_active_leads_counter(counter: ActiveLeadsCounter) -> ActiveLeadsCounter:
    """Registers ``counter(workspace) -> int``; returns it, so it also works as a decorator."""
    global _active_leads_counter
    _active_leads_counter = counter
    return counter


def active_leads_counter() -> ActiveLeadsCounter | None:
    """The registered counter, or None while no app has registered one."""
    return _active_leads_counter
