"""The FusionSolar Northbound API emulator: an HTTP server on loopback that behaves like the
real service (docs/fusionsolar.md), for tests, `make run`, `make emulator` and benchmarks.

    emu = FusionSolarEmulator(scenario=None, clock=None, timeout_hold=30.0, latency=0.0,
                              host="127.0.0.1", port=0, on_call=None)
    with emu:  ...  # or emu.start() / emu.stop()
    emu.base_url; emu.calls (list[CallRecord]); emu.count(interface=None, outcome=None)
    emu.fault_next(interface, kind, fail_code=None); emu.set_password(code); emu.expire_tokens()

getDevRealKpi quota, the strict reading of what clients observe: one call per device type per
rolling 5 minutes (a second call of the same type inside the window gets 407; a type with more
than 100 devices gets Roundup(n/100) calls, one per 100 ids), on top of
Huawei's documented pool of Σ Roundup(n/100) calls per 5 minutes.
    emu.credentials -> (username, system_code)

Clock: the caller's (share a FakeClock with the client under test), else a FakeClock starting
at the scenario's current_time_ms (default 1_700_000_000_000). Every limit, token lifetime and
reading follows that clock, plus `emu.clock_offset` seconds (Huawei's clock is not ours: set
it, or change it between calls, to model a clock that is off, drifts or steps). Faults preempt
everything else and count for nothing.
    emu.misstamp_next(seconds)  # the next reply's params.currentTime is off by that much
"""

import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from emulator.clock import Clock, FakeClock
from emulator.faults import FAULT_KINDS, QUOTA_CONTROL_BODY, fault_reply
from emulator.fusionsolar.data import PlantData
from emulator.fusionsolar.limits import DailyCap, SlidingWindow
from emulator.fusionsolar.replies import (
    LOGIN_MESSAGE,
    Answer,
    CallRecord,
    envelope,
    failure_body,
    gateway_info,
)
from emulator.fusionsolar.scenario import INTERFACES, ScenarioSource, load_scenario
from emulator.httpserve import (
    LoopbackServer,
    Reply,
    Request,
    Served,
    json_reply,
)

__all__ = ["LOGIN_MESSAGE", "Answer", "CallRecord", "FusionSolarEmulator"]
KPI_WINDOW_SECONDS = 300


class FusionSolarEmulator(PlantData, Served):
    def __init__(
        self,
        scenario: ScenarioSource = None,
        clock: Clock | None = None,
        timeout_hold: float = 30.0,
        host: str = "127.0.0.1",
        port: int = 0,
        on_call: Callable[[CallRecord], None] | None = None,
        latency: float | Callable[[], float] = 0.0,
    ) -> None:
        self.scenario = load_scenario(scenario)
        # Network round trip to model on a FakeClock: half before the server stamps the call,
        # half before the reply arrives. Real pollers see 0.2-1 s to Huawei's portals.
        self.latency = latency
        self.clock = (
            clock if clock is not None else FakeClock(self.scenario["current_time_ms"] / 1000)
        )
        self.on_call = on_call
        self.calls: list[CallRecord] = []
        self._server = LoopbackServer(self._handle, host, port, timeout_hold)
        self._lock = threading.RLock()
        account = self.scenario["credentials"]
        self._start_accounts(account["username"], account["system_code"])
        self._kpi_calls = SlidingWindow(KPI_WINDOW_SECONDS)
        self._kpi_calls_by_type: dict[int, SlidingWindow] = defaultdict(
            lambda: SlidingWindow(KPI_WINDOW_SECONDS)
        )
        self._station_kpi_calls = SlidingWindow(KPI_WINDOW_SECONDS)
        offset = self.scenario["utc_offset_hours"]
        self._daily = {"stations": DailyCap(offset), "getDevList": DailyCap(offset)}
        self._seen: Counter[str] = Counter()
        self._next_faults: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
        self.clock_offset = 0.0  # FusionSolar's clock minus the shared clock, seconds
        self._misstamps: list[float] = []
        self._lists_without: list[int] = []  # device types the next getDevList replies leave out
        self.index_plants_and_devices()

    # --- lifecycle ------------------------------------------------------------------------
    def serve_forever(self) -> None:
        self._server.serve_forever()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    # --- test controls --------------------------------------------------------------------
    def fault_next(self, interface: str, kind: str, fail_code: int | None = None) -> None:
        """Serve this fault on the next call of that interface (queued, one call each)."""
        if interface not in INTERFACES or kind not in FAULT_KINDS:
            raise ValueError(f"unknown interface {interface!r} or fault kind {kind!r}")
        if kind == "fail_code" and fail_code is None:
            raise ValueError('fault kind "fail_code" needs fail_code=N')
        with self._lock:
            self._next_faults[interface].append((kind, fail_code))

    def leave_out_of_next_device_list(self, type_id: int) -> None:
        """The next getDevList reply lacks this device type, though its devices stay and still
        answer getDevRealKpi (a partial list, as FusionSolar has sent). Queued, one list each."""
        with self._lock:
            self._lists_without.append(type_id)

    def misstamp_next(self, seconds: float) -> None:
        """The next reply carrying params.currentTime says a time `seconds` off (a bogus
        stamp: the server's own clock and its limits are not affected)."""
        with self._lock:
            self._misstamps.append(seconds)

    def count(self, interface: str | None = None, outcome: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for c in self.calls
                if (interface is None or c.interface == interface)
                and (outcome is None or c.outcome == outcome)
            )

    # --- plumbing -------------------------------------------------------------------------
    def _handle(self, request: Request) -> Reply:
        path = request.path.split("?", 1)[0]
        interface = path.removeprefix("/thirdData/") if path.startswith("/thirdData/") else path
        self._travel()
        with self._lock:
            now = self.clock.now() + self.clock_offset
            if request.method != "POST" or interface not in _ROUTES:
                answer = Answer(json_reply({"error": "Not Found"}, 404), "not_found")
            else:
                self._seen[interface] += 1
                fault = self._take_fault(interface, self._seen[interface])
                body = request.json()
                body = body if isinstance(body, dict) else {}
                if fault is not None:
                    answer = self._fault(fault, now, body)
                else:
                    answer = _ROUTES[interface](self, request, body, now)
            if self._misstamps:
                answer = self._misstamp(answer)
            status = None if answer.reply.hold else answer.reply.status
            record = CallRecord(interface, now, answer.outcome, answer.fail_code, status)
            self.calls.append(record)
        if self.on_call is not None:
            self.on_call(record)
        self._travel()
        return answer.reply

    def _travel(self) -> None:
        """Half the round trip passes on a FakeClock (a real clock passes it by itself). A
        callable latency gives each way its own round trip (jitter: trips vary call by call)."""
        trip = self.latency() if callable(self.latency) else self.latency
        if trip and isinstance(self.clock, FakeClock):
            self.clock.advance(trip / 2)

    def _take_fault(self, interface: str, nth: int) -> tuple[str, int | None] | None:
        if self._next_faults[interface]:
            return self._next_faults[interface].pop(0)
        for f in self.scenario["faults"]:
            if f["interface"] == interface and f["nth"] in (None, nth):
                return f["kind"], f["fail_code"]
        return None

    def _fault(self, fault: tuple[str, int | None], now: float, body: dict[str, Any]) -> Answer:
        kind, code = fault
        if kind == "fail_code" and code is not None:
            return Answer(json_reply(failure_body(code, now, body)), "fail_code", code)
        if kind in ("data_empty", "data_null"):
            data: list[Any] | None = [] if kind == "data_empty" else None
            return Answer(json_reply(envelope(data, now, body)), f"fault:{kind}")
        if kind == "gateway_quota":
            quota = {**QUOTA_CONTROL_BODY, "exceptionInfo": gateway_info("getDevRealKpi")}
            return Answer(json_reply(quota, 400), f"fault:{kind}")
        if kind == "overflow_sentinel":
            return self._sentinel(now, body)
        if kind in ("success_false", "empty_object"):
            shape = {"success": False, "data": None} if kind == "success_false" else {}
            return Answer(json_reply(shape), f"fault:{kind}")
        if kind in ("http_401", "http_403"):
            status = 401 if kind == "http_401" else 403
            page = b"<html><body><h1>Error</h1></body></html>"
            return Answer(Reply(status, page, (("Content-Type", "text/html"),)), f"fault:{kind}")
        ok_body = json_reply(envelope([], now, body)).body
        return Answer(fault_reply(kind, ok_body), f"fault:{kind}")

    def _misstamp(self, answer: Answer) -> Answer:
        try:
            served = json.loads(answer.reply.body)
        except ValueError:
            return answer
        params = served.get("params") if isinstance(served, dict) else None
        if not isinstance(params, dict) or not isinstance(params.get("currentTime"), int):
            return answer
        params["currentTime"] += round(self._misstamps.pop(0) * 1000)
        reply = replace(answer.reply, body=json.dumps(served, separators=(",", ":")).encode())
        return replace(answer, reply=reply)


_ROUTES: dict[str, Callable[[FusionSolarEmulator, Request, dict[str, Any], float], Answer]] = {
    "login": FusionSolarEmulator._login,
    "logout": FusionSolarEmulator._logout,
    "stations": FusionSolarEmulator._stations_page,
    "getStationList": FusionSolarEmulator._station_list,
    "getDevList": FusionSolarEmulator._dev_list,
    "getDevRealKpi": FusionSolarEmulator._dev_real_kpi,
    "getStationRealKpi": FusionSolarEmulator._station_real_kpi,
}
