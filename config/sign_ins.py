"""Failed sign-ins (a wrong password on the dashboard's login page, a wrong or revoked API key) counted per
client address in the cache. Once an address has failed ``FAILED_SIGN_IN_RATE`` times in the window, its
next attempts are refused, right or wrong, until the oldest failure leaves the window: passwords and keys
cannot be guessed at speed, and a refused guess costs no password hash or key lookup.

The address is the one DRF's throttles use: ``REMOTE_ADDR``, or with ``NUM_PROXIES`` (the
``DJANGO_NUM_PROXIES`` setting) set behind a proxy, the client's from ``X-Forwarded-For``.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class FailedSignIns(SimpleRateThrottle):
    scope = "failed_sign_in"

    def get_rate(self):
        return settings.FAILED_SIGN_IN_RATE

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _recent(self, request):
        self.key, self.now = self.get_cache_key(request), self.timer()
        self.history = [
            moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration
        ]
        return self.history

    def refused(self, request):
        """Seconds until the address may try again, or None if it may now. Counts nothing."""
        if len(self._recent(request)) >= self.num_requests:
            return self.wait()
        return None

    def record(self, request):
        """Counts one failure of the address."""
        history = [self.timer(), *self._recent(request)]
        self.cache.set(self.key, history, self.duration)
