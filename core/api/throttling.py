import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from core.rate_windows import WindowCount


class WorkspaceRateThrottle(BaseThrottle):
    """One request budget per workspace, whichever key or session spends it: ``API_THROTTLE_RATE`` in each
    window of its period, counted atomically in the cache (``core.rate_windows``), so parallel requests
    cannot overshoot it. While the cache is down, requests are served (logged) rather than refused."""

    timer = staticmethod(time.time)

    def allow_request(self, request, view):
        workspace = getattr(request, "workspace", None)
        if workspace is None:
            return True
        self.count = WindowCount(
            f"api-throttle:workspace:{workspace.pk}", settings.API_THROTTLE_RATE, self.timer()
        )
        spent = self.count.add(1)
        return spent is None or spent <= self.count.limit

    def wait(self):
        return self.count.wait
