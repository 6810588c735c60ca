"""A stand-in for ChargeHQ's Push API on loopback that records and checks every push.

    rcv = ChargeHqReceiver(faults=(), api_key=None, timeout_hold=30.0, clock=None,
                           host="127.0.0.1", port=0, reject_invalid=False)
    with rcv:                       # start()/stop()
        rcv.url                     # "http://127.0.0.1:<port>/api/public/push-solar-data"
        rcv.fault_next("http_500")  # the next push gets that fault
        rcv.pushes                  # [PushRecord(time, status, body, raw, problems, fault)]

Every body is checked as strictly as ChargeHQ's documentation allows (see `check_body`).
The real service answers 200 even to a body that breaks its rules (the app shows the error
later), so does this one by default; `reject_invalid=True` answers 400 instead.

Faults: the transport kinds of `emulator.faults` (http_500, http_429, http_403_quota,
timeout, html, empty_body, truncated_json), plus http_400 (echoes the request back, key and
all, as some validation errors do), http_401 (key refused), http_404 and http_410 (gone).
Scheduled by scenario entries `{"interface": "chargehq", "nth": N, "kind": ...}` (nth 1-based
over pushes; omitted = every push; other interfaces are ignored) or by fault_next(kind), which
goes first.
"""

import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.clock import Clock
from emulator.faults import fault_reply as transport_fault_reply
from emulator.httpserve import (
    LoopbackServer,
    Reply,
    Request,
    Served,
    json_reply,
)
from emulator.receivers.chargehq_contract import (
    PUSH_FAULT_KINDS,
    PUSH_PATH,
    check_body,
    check_site_meters,
    parse_push,
)

__all__ = [
    "PUSH_FAULT_KINDS",
    "PUSH_PATH",
    "ChargeHqReceiver",
    "PushRecord",
    "check_body",
    "check_site_meters",
    "parse_push",
]


@dataclass(frozen=True)
class PushRecord:
    time: float  # receiver clock
    status: int | None  # HTTP status answered; None when the connection was held (timeout)
    body: dict[str, Any] | None  # the parsed body when it was a JSON object
    raw: bytes
    problems: list[str] = field(default_factory=list)
    fault: str | None = None


@dataclass(frozen=True)
class _ScheduledFault:
    kind: str
    nth: int | None  # None: every push


class ChargeHqReceiver(Served):
    """Serves PUSH_PATH on loopback, records every request as a PushRecord."""

    def __init__(
        self,
        faults: Iterable[Mapping[str, Any]] = (),
        api_key: str | None = None,
        timeout_hold: float = 30.0,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        reject_invalid: bool = False,
    ) -> None:
        self.api_key = api_key
        self.clock = clock
        self.reject_invalid = reject_invalid
        self.pushes: list[PushRecord] = []
        self._scheduled = [_scheduled(f) for f in faults if f.get("interface") == "chargehq"]
        self._next: deque[str] = deque()
        self._seen = 0  # pushes to PUSH_PATH so far, for `nth`
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle, host=host, port=port, timeout_hold=timeout_hold)

    @property
    def url(self) -> str:
        return self._server.base_url + PUSH_PATH

    def fault_next(self, kind: str) -> None:
        """The next push gets this fault (before any scheduled one)."""
        _check_kind(kind)
        with self._lock:
            self._next.append(kind)

    def _handle(self, request: Request) -> Reply:
        now = self.clock.now() if self.clock is not None else time.time()
        if request.path.split("?")[0] != PUSH_PATH or request.method != "POST":
            return self._record(now, request, None, [_wrong_route(request)], None, Reply(404))
        body, problems = parse_push(request.body, request.headers.get("Content-Type"))
        if "body is not JSON" not in problems:
            problems += check_body(body, self.api_key)
        fault = self._fault_for_this_push()
        parsed = body if isinstance(body, dict) else None
        return self._record(
            now, request, parsed, problems, fault, self._reply(fault, problems, request)
        )

    def _fault_for_this_push(self) -> str | None:
        with self._lock:
            self._seen += 1
            if self._next:
                return self._next.popleft()
            for scheduled in self._scheduled:
                if scheduled.nth is None or scheduled.nth == self._seen:
                    return scheduled.kind
        return None

    def _reply(self, fault: str | None, problems: list[str], request: Request) -> Reply:
        ok = json_reply({"ok": True})
        if fault == "http_400":
            return Reply(
                400, b"invalid request: " + request.body, (("Content-Type", "text/plain"),)
            )
        if fault == "http_401":
            return json_reply({"error": "Unauthorized"}, status=401)
        if fault in ("http_404", "http_410"):
            return Reply(int(fault[-3:]), b"Not Found", (("Content-Type", "text/plain"),))
        if fault is not None:
            return transport_fault_reply(fault, ok.body)
        if problems and self.reject_invalid:
            return json_reply({"error": "invalid push", "problems": problems}, status=400)
        return ok

    def _record(
        self,
        now: float,
        request: Request,
        body: dict[str, Any] | None,
        problems: list[str],
        fault: str | None,
        reply: Reply,
    ) -> Reply:
        record = PushRecord(
            now, None if reply.hold else reply.status, body, request.body, problems, fault
        )
        with self._lock:
            self.pushes.append(record)
        return reply


def _wrong_route(request: Request) -> str:
    return f"{request.method} {request.path}: ChargeHQ's Push API is POST {PUSH_PATH}"


def _scheduled(entry: Mapping[str, Any]) -> _ScheduledFault:
    kind = str(entry.get("kind"))
    _check_kind(kind)
    nth = entry.get("nth")
    if nth is not None and (isinstance(nth, bool) or not isinstance(nth, int) or nth < 1):
        raise ValueError(f"chargehq fault nth must be a whole number from 1, not {nth!r}")
    return _ScheduledFault(kind, nth)


def _check_kind(kind: str) -> None:
    if kind not in PUSH_FAULT_KINDS:
        raise ValueError(
            f"unknown chargehq fault kind {kind!r}; use one of {sorted(PUSH_FAULT_KINDS)}"
        )
