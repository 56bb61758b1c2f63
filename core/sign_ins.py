"""Failed sign-ins (a wrong password on a login page or for a password change, a wrong or revoked API key)
counted per client address in the cache, in windows of the ``FAILED_SIGN_IN_RATE`` period (``10/minute``:
at most 10 a minute). Once an address has used up its window, its attempts are refused, right or wrong,
until the next window: passwords and keys cannot be guessed at speed.

The address is the one DRF's throttles use: ``REMOTE_ADDR``, or behind ``NUM_PROXIES`` proxies (the
``DJANGO_NUM_PROXIES`` setting) the client's from ``X-Forwarded-For``; an IPv6 address counts for its
whole /64, which one client usually holds. Counts are atomic cache increments (``core.rate_windows``).
Should the cache fail, sign-ins are not limited (logged) rather than refused.

Two ways to use it: ``take()`` before checking a password counts the attempt as a failure at once (so
that parallel guesses cannot slip past the count) and ``forgive()`` takes it back if it succeeded;
``refused()`` then ``record()`` checks first and counts only a failure (API keys: an integration sends
many requests at once, and a key's secret cannot be guessed anyway).
"""

import ipaddress
import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from core.rate_windows import WindowCount


def _address(request):
    ident = BaseThrottle().get_ident(request)
    try:
        address = ipaddress.ip_address(ident)
    except ValueError:
        return ident
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class FailedSignIns:
    timer = staticmethod(time.time)

    def __init__(self, request):
        self.count = WindowCount(
            f"failed-sign-in:{_address(request)}", settings.FAILED_SIGN_IN_RATE, self.timer()
        )

    def refused(self):
        """Seconds until the address may try again, or None if it may now. Counts nothing."""
        count = self.count.read()
        return self.count.wait if count is not None and count >= self.count.limit else None

    def record(self):
        """Counts one failure of the address."""
        self.count.add(1)

    def take(self):
        """Counts this attempt as a failure; returns the seconds to wait if it is one too many (the attempt
        must then be refused), else None."""
        count = self.count.add(1)
        return self.count.wait if count is not None and count > self.count.limit else None

    def forgive(self):
        """The attempt ``take`` counted succeeded: it is not a failure."""
        self.count.add(-1)
