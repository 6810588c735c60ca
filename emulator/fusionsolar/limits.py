"""FusionSolar's call limits: sliding windows and per-day caps, on the emulator's clock.

Only calls that were served count; a call the limit itself rejected does not, so a client
that backs off is let in again as soon as the oldest counted call leaves the window.
"""

import math
from collections import deque


class SlidingWindow:
    """At most `limit` calls while now - t < seconds for each counted call at t."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._times: deque[float] = deque()

    def _prune(self, now: float) -> None:
        while self._times and now - self._times[0] >= self.seconds:
            self._times.popleft()

    def allows(self, now: float, limit: int) -> bool:
        self._prune(now)
        return len(self._times) < limit

    def add(self, now: float) -> None:
        self._times.append(now)

    def count(self, now: float) -> int:
        self._prune(now)
        return len(self._times)

    def clear(self) -> None:
        self._times.clear()


class DailyCap:
    """At most `limit` calls per emulator-clock day (local day of the plant)."""

    def __init__(self, utc_offset_hours: float = 0.0) -> None:
        self.offset = utc_offset_hours * 3600
        self._day: int | None = None
        self._used = 0

    def _roll(self, now: float) -> None:
        day = math.floor((now + self.offset) / 86400)
        if day != self._day:
            self._day, self._used = day, 0

    def allows(self, now: float, limit: int) -> bool:
        self._roll(now)
        return self._used < limit

    def add(self, now: float) -> None:
        self._roll(now)
        self._used += 1


def per_hundred(n: int) -> int:
    """Huawei's Roundup(n / 100)."""
    return math.ceil(n / 100)
