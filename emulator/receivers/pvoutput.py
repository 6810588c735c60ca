"""A stand-in for PVOutput's addstatus service on loopback, as strict as its documentation.

    rcv = PvOutputReceiver(api_key, system_id, zone=UTC, clock=None, limit=60)
    with rcv:
        rcv.url            # "http://127.0.0.1:<port>/service/r2/addstatus.jsp"
        rcv.statuses       # [StatusRecord(time, status, form, reply)] every request, in order
        rcv.day("20261025")  # {"02:05": form, ...}: the day as PVOutput keeps it, a slot each
        rcv.overwritten    # [(d, t)] each accepted status that replaced one in its slot
        rcv.fault_next("http_500")   # the next request gets a transport fault

Rules enforced, each with PVOutput's documented error text: the X-Pvoutput-Apikey and
X-Pvoutput-SystemId headers (401), d as yyyymmdd and t as hh:mm in the system's local time
(not in the future, not older than 14 days, on a 5-minute slot), v1-v4 whole non-negative
numbers and at least one of them (400), no donation-only field (n, v7-v12, b1-b6: 400), and
60 requests an hour per key (403), with X-Rate-Limit-Remaining/-Limit/-Reset on every reply.
As PVOutput does, a status for a date and time it already holds replaces the one there.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import parse_qsl

from emulator.clock import Clock
from emulator.faults import TRANSPORT_FAULTS
from emulator.faults import fault_reply as transport_fault_reply
from emulator.httpserve import LoopbackServer, Reply, Request, Served

STATUS_PATH = "/service/r2/addstatus.jsp"
HOUR = 3600
MAX_AGE = timedelta(days=14)
VALUES = ("v1", "v2", "v3", "v4")
ALLOWED = frozenset({"d", "t", *VALUES, "v5", "v6", "c1"})
DONATION = frozenset(
    {"n", "delay", *(f"v{i}" for i in range(7, 13)), *(f"b{i}" for i in range(1, 7))}
)
_NAMES = {"v1": "energy", "v2": "power", "v3": "energy", "v4": "power"}


@dataclass(frozen=True)
class StatusRecord:
    time: float
    status: int | None  # None when the connection was held (timeout)
    form: dict[str, str]
    reply: str


class PvOutputReceiver(Served):
    def __init__(
        self,
        api_key: str,
        system_id: str,
        *,
        zone: tzinfo = UTC,
        clock: Clock | None = None,
        limit: int = 60,
        timeout_hold: float = 30.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key, self.system_id, self.zone = api_key, system_id, zone
        self.clock, self.limit = clock, limit
        self.statuses: list[StatusRecord] = []
        self.slots: dict[tuple[str, str], dict[str, str]] = {}  # (d, t) -> the status kept
        self.overwritten: list[tuple[str, str]] = []
        self._window: tuple[float, int] = (0.0, 0)  # (hour started, requests in it)
        self._next: deque[str] = deque()
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle, host=host, port=port, timeout_hold=timeout_hold)

    @property
    def url(self) -> str:
        return self._server.base_url + STATUS_PATH

    def fault_next(self, kind: str) -> None:
        if kind not in TRANSPORT_FAULTS:
            raise ValueError(
                f"unknown pvoutput fault kind {kind!r}; use one of {sorted(TRANSPORT_FAULTS)}"
            )
        with self._lock:
            self._next.append(kind)

    @property
    def accepted(self) -> list[StatusRecord]:
        return [s for s in self.statuses if s.status == 200]

    def _handle(self, request: Request) -> Reply:
        now = self.clock.now() if self.clock is not None else time.time()
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        with self._lock:
            fault = self._next.popleft() if self._next else None
        if fault is not None:
            reply = transport_fault_reply(fault)
        elif request.path.split("?")[0] != STATUS_PATH or request.method != "POST":
            reply = Reply(404, b"Not Found")
        else:
            reply = self._answer(request, form, now)
        with self._lock:
            self.statuses.append(
                StatusRecord(now, None if reply.hold else reply.status, form, reply.body.decode())
            )
            if reply.status == 200 and not reply.hold and fault is None:
                slot = (form["d"], form["t"])
                if slot in self.slots:
                    self.overwritten.append(slot)
                self.slots[slot] = form
        return reply

    def day(self, date: str) -> dict[str, dict[str, str]]:
        """The statuses PVOutput keeps for a date (yyyymmdd), by time, in time order."""
        with self._lock:
            kept = {t: form for (d, t), form in self.slots.items() if d == date}
        return dict(sorted(kept.items()))

    def _answer(self, request: Request, form: dict[str, str], now: float) -> Reply:
        if request.headers.get("X-Pvoutput-Apikey") != self.api_key:
            return self._text(401, "Unauthorized 401: Invalid API Key", now, count=False)
        if request.headers.get("X-Pvoutput-SystemId") != self.system_id:
            return self._text(401, "Unauthorized 401: Invalid System ID", now, count=False)
        with self._lock:
            started, used = self._window
            if now - started >= HOUR:
                started, used = now, 0
            self._window = (started, used + 1)
        if used >= self.limit:
            return self._text(403, "Forbidden 403: Exceeded number requests per hour", now)
        problem = self.problem(form, now)
        if problem is not None:
            return self._text(400, f"Bad request 400: {problem}", now)
        return self._text(200, "OK 200: Added Status", now)

    def problem(self, form: dict[str, str], now: float) -> str | None:
        """The first rule the status breaks, in PVOutput's words; None when it is fine."""
        donation = sorted(set(form) & DONATION)
        if donation:
            return f"Donation mode required [{donation[0]}]"
        unknown = sorted(set(form) - ALLOWED - DONATION)
        if unknown:
            return f"Unknown parameter [{unknown[0]}]"
        try:
            day = datetime.strptime(form.get("d", ""), "%Y%m%d")
        except ValueError:
            return "Invalid date format [d]"
        try:
            clock = datetime.strptime(form.get("t", ""), "%H:%M")
        except ValueError:
            return "Invalid time format [t]"
        if len(form["d"]) != 8 or len(form["t"]) != 5:
            return "Invalid date format [d]" if len(form["d"]) != 8 else "Invalid time format [t]"
        when = day.replace(hour=clock.hour, minute=clock.minute, tzinfo=self.zone)
        local_now = datetime.fromtimestamp(now, UTC).astimezone(self.zone)
        if when > local_now + timedelta(minutes=5):
            return f"Date is in the future [{form['d']}]"
        if when < local_now - MAX_AGE:
            return f"Date is older than 14 days [{form['d']}]"
        if clock.minute % 5:
            return "Time is not on a 5-minute status interval [t]"
        given = [v for v in VALUES if v in form]
        if not given:
            return "No status data [v1,v2,v3,v4]"
        for name in given:
            if not form[name].isdigit():
                return f"Invalid {_NAMES[name]} value [{name}]"
        return None

    def _text(self, status: int, text: str, now: float, *, count: bool = True) -> Reply:
        started, used = self._window
        reset = int(started + HOUR) if used else int(now + HOUR)
        headers = (
            ("Content-Type", "text/plain"),
            ("X-Rate-Limit-Remaining", str(max(0, self.limit - used))),
            ("X-Rate-Limit-Limit", str(self.limit)),
            ("X-Rate-Limit-Reset", str(reset)),
        )
        return Reply(status, text.encode(), headers)
