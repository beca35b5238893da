"""Pace: a token bucket per caller (an API key, a signer, an address)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .i18n import Words
from .problems import Problem

MAX_BUCKETS = 10_000  # beyond this many callers, the buckets already full again are forgotten


class RateLimiter:
    """A token bucket per caller: ``rate`` requests a second, bursts of ``burst``."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if a request may go now, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            if len(self._buckets) > MAX_BUCKETS and key not in self._buckets:
                self._forget_full(now)
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop every bucket that has refilled since its last use: forgetting it changes nothing."""
        full = (self.burst / self.rate) if self.rate else 0.0
        self._buckets = {k: (t, then) for k, (t, then) in self._buckets.items() if now - then < full}


def hold_to_pace(limiter: RateLimiter, who: str, too_many: str | Words) -> None:
    """Take a turn of ``who`` from ``limiter``, or refuse with 429 saying ``too_many`` and when to retry."""
    wait = limiter.take(who)
    if wait:
        raise Problem(
            429,
            Words("{too_many}; retry in {seconds} s.", too_many=too_many, seconds=f"{wait:.1f}"),
            kind="rate-limited",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
