from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class WorkspaceRateThrottle(SimpleRateThrottle):
    """One request budget per workspace, whichever key or session spends it; counts live in the cache."""

    scope = "workspace"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        workspace = getattr(request, "workspace", None)
        if workspace is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": workspace.pk}
