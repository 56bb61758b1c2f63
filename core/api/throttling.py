"""The API's request budget per workspace, and the ``X-RateLimit-*`` headers every API answer carries
(API.md): ``Limit`` (requests in the window), ``Remaining`` (left in it) and ``Reset`` (whole seconds until
the window ends and the budget starts again, as ``Retry-After`` counts).

The headers describe the budget that applies to the request: the workspace's, once a key or a session
has named the workspace; before that (no key, a refused key, an unknown route) the client address's
budget of failed authentications (``core.sign_ins``), which is what a 401 spends and what its 429 is
about. While the cache cannot count, nothing is limited: ``Remaining`` is the whole ``Limit``."""

import time
from dataclasses import dataclass

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from core.rate_windows import WindowCount
from core.sign_ins import FailedSignIns

LIMIT, REMAINING, RESET = "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"


@dataclass(frozen=True)
class Budget:
    limit: int
    spent: int | None  # None: the cache could not count
    reset: int

    @classmethod
    def of(cls, count, spent):
        return cls(count.limit, spent, count.wait)

    def headers(self):
        remaining = self.limit if self.spent is None else max(0, self.limit - self.spent)
        return {LIMIT: str(self.limit), REMAINING: str(remaining), RESET: str(self.reset)}


def _workspace_count(workspace, now):
    return WindowCount(f"api-throttle:workspace:{workspace.pk}", settings.API_THROTTLE_RATE, now)


class WorkspaceRateThrottle(BaseThrottle):
    """One request budget per workspace, whichever key or session spends it: ``API_THROTTLE_RATE`` in each
    window of its period, counted atomically in the cache (``core.rate_windows``), so parallel requests
    cannot overshoot it. While the cache is down, requests are served (logged) rather than refused."""

    timer = staticmethod(time.time)

    def allow_request(self, request, view):
        workspace = getattr(request, "workspace", None)
        if workspace is None:
            return True
        self.count = _workspace_count(workspace, self.timer())
        spent = self.count.add(1)
        # What this request spent, for its answer's headers (rate_limit_headers).
        request._request.rate_limit_budget = Budget.of(self.count, spent)
        return spent is None or spent <= self.count.limit

    def wait(self):
        return self.count.wait


def rate_limit_headers(request):
    """The ``X-RateLimit-*`` headers of the answer to ``request`` (a DRF request, or Django's for an answer
    made outside DRF): what its throttle counted, else the budget read without spending it."""
    django_request = getattr(request, "_request", request)
    budget = getattr(django_request, "rate_limit_budget", None)
    if budget is None:
        workspace = getattr(django_request, "workspace", None)
        if workspace is not None and getattr(request, "_authenticator", None) is not None:
            count = _workspace_count(workspace, WorkspaceRateThrottle.timer())
        else:
            count = FailedSignIns(django_request).count
        budget = Budget.of(count, count.read())
    return budget.headers()
