"""The HTTP rules both funnels (fusionsolar/transport.py and sinks/http.py) share.

- A retry is urllib3's, and only while the run's deadline leaves room for a whole further
  attempt (`DeadlineRetry`); which failures may be retried is each client's own rule.
- Timeouts are capped by what is left of the run (`capped_timeouts`), and no call starts with
  too little of it left.
- A reply body is read only up to a limit (`read_capped`): an endless or huge reply is never
  read whole.
What leaves in messages is masked by masking.py, on each funnel's own path.
"""

from typing import Any

import requests
from urllib3.util.retry import Retry

from fusioncharge.clock import Deadline


class DeadlineRetry(Retry):
    """urllib3's Retry that gives up when a whole further attempt (`room` seconds) would not
    finish before the run must end."""

    def __init__(
        self, *args: Any, deadline: Deadline | None = None, room: float = 0.0, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.deadline, self.room = deadline, room

    def new(self, **kw: Any) -> "DeadlineRetry":
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("room", self.room)
        return super().new(**kw)

    def is_exhausted(self) -> bool:
        if self.history and self.deadline is not None and self.deadline.remaining() < self.room:
            return True  # a retry would not finish before the run must end
        return super().is_exhausted()


def time_left(deadline: Deadline | None) -> float:
    return deadline.remaining() if deadline is not None else float("inf")


def capped_timeouts(
    timeouts: tuple[float, ...], deadline: Deadline | None, minimum: float = 0.0
) -> tuple[float, ...] | None:
    """Each timeout capped by what is left of the run; None when less than `minimum` seconds
    (or nothing) is left, so no call is started."""
    left = time_left(deadline)
    if left < minimum or left <= 0:
        return None
    return tuple(min(t, left) for t in timeouts)


def read_capped(
    response: requests.Response, limit: int, *, chunk: int = 64 * 1024, partial: bool = False
) -> tuple[bytes, bool]:
    """The body up to `limit` bytes, and whether it went on beyond (then it is not read on).
    With `partial`, a reply broken off midway gives what came before the break."""
    chunks: list[bytes] = []
    size = 0
    try:
        for piece in response.iter_content(chunk):
            size += len(piece)
            chunks.append(piece)
            if size > limit:
                return b"".join(chunks)[:limit], True
    except requests.exceptions.RequestException:
        if not partial:
            raise
    return b"".join(chunks), False
