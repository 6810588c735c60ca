"""Time as a collaborator, so simulations can run a day in seconds."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass(frozen=True)
class Deadline:
    """The end of this run (from the Lambda context): bounds every wait and retry."""

    clock: Clock
    at: float

    @classmethod
    def after(cls, clock: Clock, seconds: float) -> "Deadline":
        return cls(clock, clock.now() + seconds)

    def remaining(self) -> float:
        """Seconds left before the run must end (never negative)."""
        return max(0.0, self.at - self.clock.now())


def utc(epoch: float) -> str:
    """A moment as messages name it (to the minute, in UTC: "2026-06-01 12:05 UTC")."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
