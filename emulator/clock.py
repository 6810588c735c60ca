"""A clock that tests move by hand, shared by the client under test and the emulators."""

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """The same shape as fusioncharge.clock.Clock (not imported: the emulator runs on its own)."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class FakeClock:
    """Satisfies fusioncharge.clock.Clock; sleep() advances time at once instead of waiting."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += float(seconds)

    def set(self, t: float) -> None:
        with self._lock:
            self._now = float(t)


class RealClock:
    """Real time, optionally shifted so it starts at `start` (a scenario's current_time_ms)."""

    def __init__(self, start: float | None = None) -> None:
        self._shift = 0.0 if start is None else float(start) - time.time()

    def now(self) -> float:
        return time.time() + self._shift

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
