"""Counts in fixed windows of a rate's period, kept in the cache: ``"600/minute"`` allows 600 in each clock
minute. A count is one atomic cache increment (``add`` then ``incr``), so parallel requests cannot slip past
it. Should the cache fail, the count is unknown (``None``, logged): callers let the request through rather
than refuse everyone while the cache is down."""

import logging
import math

from django.core.cache import cache

logger = logging.getLogger(__name__)
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class WindowCount:
    """The count named ``name`` in the window that holds the moment ``now`` (Unix seconds)."""

    def __init__(self, name, rate, now):
        number, period = rate.split("/")
        self.limit, window = int(number), PERIODS[period[0]]
        self.wait = math.ceil((math.floor(now / window) + 1) * window - now) or window
        self.key = f"{name}:{math.floor(now / window)}"
        self.timeout = window + 1

    def read(self):
        """The count so far, or None if the cache cannot be read."""
        try:
            return cache.get(self.key, 0)
        except Exception:
            logger.exception("The count %s could not be read from the cache", self.key)
            return None

    def add(self, delta=1):
        """Adds ``delta``; returns the count after it, or None if the cache cannot count."""
        try:
            cache.add(self.key, 0, self.timeout)
            return cache.incr(self.key, delta)
        except ValueError:  # the key expired between add and incr: a new window
            cache.add(self.key, max(delta, 0), self.timeout)
            return max(delta, 0)
        except Exception:
            logger.exception("The count %s could not be changed in the cache", self.key)
            return None
