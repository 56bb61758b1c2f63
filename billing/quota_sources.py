"""Where billing finds the truth behind the ``active_leads_used`` counter (``audit_quotas``, switching
``release_finished_leads``) and how many finished leads are kept without a slot.

Billing must not import the apps that own enrollments, so they register counters here instead. The
campaigns app calls, from its ``AppConfig.ready()``::

    register_active_leads_counter(active_leads_used_by_enrollments)
    register_finished_leads_counter(finished_leads_kept)

``active_leads_counter(workspace, release_finished=…)`` returns how many distinct contacts of the workspace
hold a slot (rules 1, 22): with a live enrollment, that is one in a campaign that is not archived and,
when ``release_finished`` (the workspace's ``Quota.release_finished_leads``), not finished.
``finished_leads_counter(workspace)`` returns how many contacts are in campaigns that are not archived
with every such enrollment finished: the leads that setting keeps without a slot.
"""

from typing import Protocol

from accounts.models import Workspace


class ActiveLeadsCounter(Protocol):
    def __call__(self, workspace: Workspace, *, release_finished: bool) -> int: ...


class FinishedLeadsCounter(Protocol):
    def __call__(self, workspace: Workspace) -> int: ...


_active_leads_counter: ActiveLeadsCounter | None = None
_finished_leads_counter: FinishedLeadsCounter | None = None


def register_active_leads_counter(counter: ActiveLeadsCounter) -> ActiveLeadsCounter:
    """Registers ``counter(workspace, *, release_finished) -> int``; returns it (works as a decorator)."""
    global _active_leads_counter
    _active_leads_counter = counter
    return counter


def active_leads_counter() -> ActiveLeadsCounter | None:
    """The registered counter, or None while no app has registered one."""
    return _active_leads_counter


def register_finished_leads_counter(counter: FinishedLeadsCounter) -> FinishedLeadsCounter:
    """Registers ``counter(workspace) -> int``; returns it (works as a decorator)."""
    global _finished_leads_counter
    _finished_leads_counter = counter
    return counter


def finished_leads_counter() -> FinishedLeadsCounter | None:
    """The registered counter of finished leads, or None while no app has registered one."""
    return _finished_leads_counter
