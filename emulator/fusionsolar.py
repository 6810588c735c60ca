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
import math
import secrets
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from emulator import daycurve, devicedata
from emulator.clock import Clock, FakeClock
from emulator.devicetypes import INVERTER_TYPES
from emulator.httpserve import (
    FAULT_KINDS,
    QUOTA_CONTROL_BODY,
    LoopbackServer,
    Reply,
    Request,
    Served,
    fault_reply,
    json_reply,
)
from emulator.limits import DailyCap, SlidingWindow, per_hundred
from emulator.scenario import INTERFACES, ScenarioSource, load_scenario

TOKEN_SECONDS = 1800
LOGIN_WINDOW_SECONDS, LOGINS_PER_WINDOW = 600, 5
WRONG_PASSWORDS_TO_LOCK, LOCK_SECONDS = 5, 1800
KPI_WINDOW_SECONDS = 300
PAGE_SIZE = MAX_IDS = 100

MUST_RELOGIN = {"failCode": 305, "immediately": True, "message": "USER_MUST_RELOGIN"}
TOO_FREQUENT = {
    "data": "ACCESS_FREQUENCY_IS_TOO_HIGH",
    "failCode": 407,
    "params": None,
    "success": False,
}
FAIL_MESSAGES = {
    401: "You do not have the related data interface permission.",
    407: "ACCESS_FREQUENCY_IS_TOO_HIGH",
    20004: "The server is abnormal.",
    20005: "The device ID cannot be empty.",
    20006: "Some devices do not match the device type.",
    20007: "The system does not have the desired power plant resources.",
    20008: "The system does not have the desired device resources.",
    20010: "The plant list cannot be empty.",
    20013: "The device type is incorrect.",
    20014: "A maximum of 100 plants can be queried at a time.",
    20016: "A maximum of 100 devices can be queried at a time.",
    20056: "The owner has not authorized the access to API.",
    20400: "USER_LOCKED_OR_PASSWORD_ERROR",
    20618: "The number of calls today has reached the upper limit.",
}
# Since 2025 a successful login carries a link in `message` (the token is still in the header).
LOGIN_MESSAGE = "Northbound API Reference: https://info.support.huawei.com/DpinfoAppBiz/"
SECRET_PARAMS = frozenset({"systemCode", "xsrfToken", "userName"})


@dataclass(frozen=True)
class CallRecord:
    interface: str
    time: float  # emulator clock
    outcome: str  # ok, fail_code, wrong_password, locked, quota, fault:<kind>, not_found
    fail_code: int | None = None
    http_status: int | None = 200  # None: no reply (timeout fault)


@dataclass(frozen=True)
class _Answer:
    reply: Reply
    outcome: str = "ok"
    fail_code: int | None = None


class FusionSolarEmulator(Served):
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
        self._username = self.scenario["credentials"]["username"]
        self._system_code = self.scenario["credentials"]["system_code"]
        self._tokens: dict[str, float] = {}  # token -> expiry (one user: a login ends the rest)
        self._locked_until = -math.inf
        self._logins = SlidingWindow(LOGIN_WINDOW_SECONDS)
        self._logouts = SlidingWindow(LOGIN_WINDOW_SECONDS)
        self._wrong = SlidingWindow(LOGIN_WINDOW_SECONDS)
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
    @property
    def credentials(self) -> tuple[str, str]:
        with self._lock:
            return self._username, self._system_code

    def set_password(self, system_code: str) -> None:
        """The user changed their password at Huawei (tokens already issued stay valid)."""
        with self._lock:
            self._system_code = system_code

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

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
    def index_plants_and_devices(self) -> None:
        """Take the scenario's plants and devices as they are now (a test may change them)."""
        self._stations = self.scenario["stations"]
        self._devices = self.scenario["devices"]
        self._device_by_id = {int(d["id"]): d for d in self._devices if _is_int(d.get("id"))}
        codes = [s.get("plantCode") for s in self._stations]
        codes += [d.get("stationCode") for d in self._devices]
        self._plant_codes = {str(c) for c in codes if c}
        type_counts = Counter(
            int(d["devTypeId"]) for d in self._devices if _is_int(d.get("devTypeId"))
        )
        self._type_counts = type_counts
        self._kpi_limit = max(
            1, sum(per_hundred(n) for t, n in type_counts.items() if t in devicedata.KPI_TYPES)
        )
        self._plant_count = len(self._stations)

    def _handle(self, request: Request) -> Reply:
        path = request.path.split("?", 1)[0]
        interface = path.removeprefix("/thirdData/") if path.startswith("/thirdData/") else path
        self._travel()
        with self._lock:
            now = self.clock.now() + self.clock_offset
            if request.method != "POST" or interface not in _ROUTES:
                answer = _Answer(json_reply({"error": "Not Found"}, 404), "not_found")
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

    def _fault(self, fault: tuple[str, int | None], now: float, body: dict[str, Any]) -> _Answer:
        kind, code = fault
        if kind == "fail_code" and code is not None:
            return _Answer(json_reply(_failure_body(code, now, body)), "fail_code", code)
        if kind in ("data_empty", "data_null"):
            data: list[Any] | None = [] if kind == "data_empty" else None
            return _Answer(json_reply(_envelope(data, now, body)), f"fault:{kind}")
        if kind == "gateway_quota":
            quota = {**QUOTA_CONTROL_BODY, "exceptionInfo": _gateway_info("getDevRealKpi")}
            return _Answer(json_reply(quota, 400), f"fault:{kind}")
        if kind == "overflow_sentinel":
            return self._sentinel(now, body)
        if kind in ("success_false", "empty_object"):
            shape = {"success": False, "data": None} if kind == "success_false" else {}
            return _Answer(json_reply(shape), f"fault:{kind}")
        if kind in ("http_401", "http_403"):
            status = 401 if kind == "http_401" else 403
            page = b"<html><body><h1>Error</h1></body></html>"
            return _Answer(Reply(status, page, (("Content-Type", "text/html"),)), f"fault:{kind}")
        ok_body = json_reply(_envelope([], now, body)).body
        return _Answer(fault_reply(kind, ok_body), f"fault:{kind}")

    def _misstamp(self, answer: _Answer) -> _Answer:
        try:
            envelope = json.loads(answer.reply.body)
        except ValueError:
            return answer
        params = envelope.get("params") if isinstance(envelope, dict) else None
        if not isinstance(params, dict) or not isinstance(params.get("currentTime"), int):
            return answer
        params["currentTime"] += round(self._misstamps.pop(0) * 1000)
        reply = replace(answer.reply, body=json.dumps(envelope, separators=(",", ":")).encode())
        return replace(answer, reply=reply)

    def _token_valid(self, request: Request, now: float) -> bool:
        token = request.headers.get("XSRF-TOKEN")
        return token is not None and self._tokens.get(token, -math.inf) > now

    # --- interfaces -----------------------------------------------------------------------
    def _login(self, request: Request, body: dict[str, Any], now: float) -> _Answer:
        if now < self._locked_until:
            self._logins.add(now)
            return _fail(20400, now, {}, "locked")
        if not self._logins.allows(now, LOGINS_PER_WINDOW):
            return _too_frequent()
        self._logins.add(now)
        right = (body.get("userName"), body.get("systemCode")) == self.credentials
        if not right:
            self._wrong.add(now)
            if self._wrong.count(now) >= WRONG_PASSWORDS_TO_LOCK:
                self._locked_until = now + LOCK_SECONDS
                self._wrong.clear()
            # Observed: bad credentials get HTTP 200 with nothing in the body.
            return _Answer(
                Reply(200, b"", (("Content-Type", "application/json"),)), "wrong_password"
            )
        self._wrong.clear()
        token = "x-" + secrets.token_hex(24)
        self._tokens = {token: now + TOKEN_SECONDS}  # a new login ends the user's earlier ones
        headers = (("xsrf-token", token), ("Set-Cookie", f"XSRF-TOKEN={token}; Path=/; Secure"))
        ok: dict[str, Any] = {
            "data": None,
            "success": True,
            "failCode": 0,
            "params": {},
            "message": LOGIN_MESSAGE,
        }
        return _Answer(json_reply(ok, headers=headers))

    def _logout(self, request: Request, body: dict[str, Any], now: float) -> _Answer:
        if not self._logouts.allows(now, LOGINS_PER_WINDOW):
            return _too_frequent()
        self._logouts.add(now)
        token = body.get("xsrfToken") or request.headers.get("XSRF-TOKEN")
        if not isinstance(token, str) or self._tokens.get(token, -math.inf) <= now:
            return _must_relogin()
        del self._tokens[token]
        return _ok(None, now, {})

    def _stations_page(self, request: Request, body: dict[str, Any], now: float) -> _Answer:
        if not self._token_valid(request, now):
            return _must_relogin()
        cap = self._daily["stations"]
        if not cap.allows(now, per_hundred(self._plant_count) * 10 + 24):
            return _too_frequent()
        cap.add(now)
        page = body.get("pageNo", 1)
        if not _is_int(page) or int(page) < 1:
            return _fail(20004, now, body, message="pageNo must be a page number from 1")
        page = int(page)
        total = len(self._stations)
        data = {
            "list": self._stations[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "pageCount": math.ceil(total / PAGE_SIZE),
            "pageNo": page,
            "pageSize": PAGE_SIZE,
            "total": total,
        }
        # As captured: this interface has no params and a message.
        ok = {"data": data, "failCode": 0, "message": "get plant list success", "success": True}
        return _Answer(json_reply(ok))

    def _station_list(self, request: Request, body: dict[str, Any], now: float) -> _Answer:
        if not self._token_valid(request, now):
            return _must_relogin()
        return _fail(401, now, body)  # end-of-life for accounts made after mid-2022

    def _plant_codes_asked(self, body: dict[str, Any], now: float) -> list[str] | _Answer:
        codes = _split(body.get("stationCodes"))
        if not codes:
            return _fail(20010, now, body)
        if len(codes) > MAX_IDS:
            return _fail(20014, now, body)
        if any(c not in self._plant_codes for c in codes):
            return _fail(20007, now, body)
        return codes

    def _dev_list(self, request: Request, body: dict[str, Any], now: float) -> _Answer:
        if not self._token_valid(request, now):
            return _must_relogin()
        cap = self._daily["getDevList"]
        if not cap.allows(now, per_hundred(self._plant_count) + 24):
            return _too_frequent()
        cap.add(now)
        codes = self._plant_codes_asked(body, now)
        if isinstance(codes, _Answer):
            return codes
        devices = [d for d in self._devices if d.get("stationCode") in codes]
        if self._lists_without:
            left_out = self._lists_without.pop(0)
            devices = [d for d in devices if d.get("devTypeId") != left_out]
        return _ok(devices, now, body)

    def _station_real_kpi(self, request: Request, body: dict[str, Any], now: float) -> _Answer:
        if not self._token_valid(request, now):
            return _must_relogin()
        if not self._station_kpi_calls.allows(now, max(1, per_hundred(self._plant_count))):
            return _too_frequent()
        self._station_kpi_calls.add(now)
        codes = self._plant_codes_asked(body, now)
        if isinstance(codes, _Answer):
            return codes
        data = [
            {
                "stationCode": c,
                "dataItemMap": devicedata.station_item_map(self._plant_state(c, now)),
            }
            for c in codes
        ]
        return _ok(data, now, body)

    def _dev_real_kpi(self, request: Request, body: dict[str, Any], now: float) -> _Answer:
        if not self._token_valid(request, now):
            return _must_relogin()
        type_id: Any = body.get("devTypeId")
        same_type = self._kpi_calls_by_type[int(type_id)] if _is_int(type_id) else None
        if not self._kpi_calls.allows(now, self._kpi_limit):
            return _too_frequent()
        per_type = max(1, per_hundred(self._type_counts.get(int(type_id), 0))) if same_type else 1
        if same_type is not None and not same_type.allows(now, per_type):
            return _too_frequent()  # the same type again within 5 minutes (100 devices a call)
        self._kpi_calls.add(now)
        if same_type is not None:
            same_type.add(now)
        if not _is_int(type_id):
            return _fail(20013, now, body)
        ids = _split(body.get("devIds"))
        if not ids:
            return _fail(20005, now, body)
        if len(ids) > MAX_IDS:
            return _fail(20016, now, body)
        if any(not _is_int(i) or int(i) not in self._device_by_id for i in ids):
            return _fail(20008, now, body)
        devices = [self._device_by_id[int(i)] for i in ids]
        if any(int(d["devTypeId"]) != int(type_id) for d in devices):
            return _fail(20006, now, body)
        data = [{"devId": d["id"], "dataItemMap": self._item_map(d, now)} for d in devices]
        return _ok(data, now, body)

    def _sentinel(self, now: float, body: dict[str, Any]) -> _Answer:
        """The asked devices' readings with active_power at the meters' overflow sentinel."""
        ids = [int(i) for i in _split(body.get("devIds")) if _is_int(i)]
        devices = [self._device_by_id[i] for i in ids if i in self._device_by_id]
        data = [
            {
                "devId": d["id"],
                "dataItemMap": {
                    **self._item_map(d, now),
                    "active_power": devicedata.OVERFLOW_SENTINEL_W,
                },
            }
            for d in devices
        ]
        return _Answer(json_reply(_envelope(data, now, body)), "fault:overflow_sentinel")

    # --- readings -------------------------------------------------------------------------
    def _item_map(self, device: dict[str, Any], now: float) -> Any:
        type_id = int(device["devTypeId"])
        for item in self.scenario["kpis"].get(str(type_id), []):
            if isinstance(item, dict) and str(item.get("devId")) == str(device["id"]):
                return item.get("dataItemMap", {})  # the scenario's reading, as given
        plant = device.get("stationCode")
        same = sum(
            1
            for d in self._devices
            if d.get("stationCode") == plant and str(d.get("devTypeId")) == str(type_id)
        )
        state = self._plant_state(plant, now)
        items = devicedata.data_item_map(type_id, state, 1 / max(1, same))
        night = self.scenario["inverters_unknown_at_night"] and not state.producing
        if type_id in INVERTER_TYPES and night:  # disconnected until the sun is back
            return dict.fromkeys(items, "N/A")
        return items

    def _plant_state(self, plant_code: Any, now: float) -> daycurve.PlantState:
        capacity = next(
            (s.get("capacity") for s in self._stations if s.get("plantCode") == plant_code), None
        )
        has_battery = any(
            d.get("stationCode") == plant_code and str(d.get("devTypeId")) == "39"
            for d in self._devices
        )
        params = daycurve.PlantParams(
            capacity_kwp=float(capacity)
            if isinstance(capacity, int | float) and capacity
            else 10.0,
            has_battery=has_battery,
            utc_offset_hours=self.scenario["utc_offset_hours"],
        )
        return daycurve.plant_state(now, params)


_ROUTES: dict[str, Callable[[FusionSolarEmulator, Request, dict[str, Any], float], _Answer]] = {
    "login": FusionSolarEmulator._login,
    "logout": FusionSolarEmulator._logout,
    "stations": FusionSolarEmulator._stations_page,
    "getStationList": FusionSolarEmulator._station_list,
    "getDevList": FusionSolarEmulator._dev_list,
    "getDevRealKpi": FusionSolarEmulator._dev_real_kpi,
    "getStationRealKpi": FusionSolarEmulator._station_real_kpi,
}


# --- envelopes ------------------------------------------------------------------------------
def _params(now: float, body: dict[str, Any]) -> dict[str, Any]:
    """params: the server time in ms and the request's parameters echoed (never a secret)."""
    echo = {k: v for k, v in body.items() if k not in SECRET_PARAMS}
    return {**echo, "currentTime": int(now * 1000)}


def _envelope(data: Any, now: float, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": data,
        "failCode": 0,
        "message": None,
        "params": _params(now, body),
        "success": True,
    }


def _failure_body(
    code: int, now: float, body: dict[str, Any], message: str | None = None
) -> dict[str, Any]:
    if code == 305:
        return MUST_RELOGIN
    if code == 407:
        return TOO_FREQUENT
    return {
        "data": None,
        "failCode": code,
        "message": message or FAIL_MESSAGES.get(code, "error"),
        "params": _params(now, body),
        "success": False,
    }


def _ok(data: Any, now: float, body: dict[str, Any]) -> _Answer:
    return _Answer(json_reply(_envelope(data, now, body)))


def _fail(
    code: int,
    now: float,
    body: dict[str, Any],
    outcome: str = "fail_code",
    message: str | None = None,
) -> _Answer:
    return _Answer(json_reply(_failure_body(code, now, body, message)), outcome, code)


def _must_relogin() -> _Answer:
    return _Answer(json_reply(MUST_RELOGIN), "fail_code", 305)


def _too_frequent() -> _Answer:
    return _Answer(json_reply(TOO_FREQUENT), "quota", 407)


def _gateway_info(interface: str) -> str:
    return (
        "Request is rejected by api quotaControl. "
        f"api:ies_PVMSNbiService_thirdData_1.0.78, key:/{interface}_POST"
    )


def _split(value: Any) -> list[str]:
    """A comma list as FusionSolar takes it ("a,b"); a lone number counts as one id."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().lstrip("-").isdigit()
