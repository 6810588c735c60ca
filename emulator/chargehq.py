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

Faults: the transport kinds of `emulator.httpserve` (http_500, http_429, http_403_quota,
timeout, html, empty_body, truncated_json), plus http_400 (echoes the request back, key and
all, as some validation errors do), http_401 (key refused), http_404 and http_410 (gone).
Scheduled by scenario entries `{"interface": "chargehq", "nth": N, "kind": ...}` (nth 1-based
over pushes; omitted = every push; other interfaces are ignored) or by fault_next(kind), which
goes first.
"""

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.httpserve import (
    TRANSPORT_FAULTS,
    LoopbackServer,
    Reply,
    Request,
    Served,
    json_reply,
)
from emulator.httpserve import fault_reply as transport_fault_reply
from fusioncharge.clock import Clock

PUSH_PATH = "/api/public/push-solar-data"
# http_404 / http_410: the push API gone (ChargeHQ is closing).
PUSH_FAULT_KINDS = TRANSPORT_FAULTS | {"http_400", "http_401", "http_404", "http_410"}
TOP_FIELDS = frozenset({"apiKey", "tsms", "error", "siteMeters"})
METER_FIELDS = (
    "production_kw",
    "net_import_kw",
    "consumption_kw",
    "imported_kwh",
    "exported_kwh",
    "battery_discharge_kw",
    "battery_soc",
    "battery_energy_kwh",
)
NEVER_NEGATIVE = ("production_kw", "imported_kwh", "exported_kwh", "battery_energy_kwh")
POWER_FLOW_TOLERANCE_KW = 0.0005
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TSMS_MIN = 10**11  # 1973 in ms; a smaller value is almost surely seconds
_TSMS_MAX = 10**14  # year 5138 in ms


@dataclass(frozen=True)
class PushRecord:
    time: float  # receiver clock
    status: int | None  # HTTP status answered; None when the connection was held (timeout)
    body: dict[str, Any] | None  # the parsed body when it was a JSON object
    raw: bytes
    problems: list[str] = field(default_factory=list)
    fault: str | None = None


# --- the checks --------------------------------------------------------------------------------
def check_body(body: Any, api_key: str | None = None) -> list[str]:
    """Every way `body` (parsed JSON) breaks ChargeHQ's documented rules; [] when it is fine."""
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    problems = [f"unknown field {name!r}" for name in sorted(set(body) - TOP_FIELDS)]
    problems += _check_api_key(body, api_key)
    has_meters, has_error = "siteMeters" in body, "error" in body
    if has_meters == has_error:
        problems.append(
            "both siteMeters and error: send exactly one"
            if has_meters
            else "neither siteMeters nor error: send exactly one"
        )
    if has_error and not (isinstance(body["error"], str) and body["error"].strip()):
        problems.append("error must be a non-empty string")
    if "tsms" in body:
        problems += _check_tsms(body["tsms"])
    if has_meters:
        problems += check_site_meters(body["siteMeters"])
    return problems


def _check_api_key(body: Mapping[str, Any], expected: str | None) -> list[str]:
    # Never quote the key in a problem: problems get logged and printed.
    key = body.get("apiKey")
    if "apiKey" not in body:
        return ["apiKey is missing"]
    if not isinstance(key, str):
        return [f"apiKey must be a string, not {_json_type(key)}"]
    if not _UUID.fullmatch(key):
        return ["apiKey is not UUID-shaped (copy it from ChargeHQ: Push API settings)"]
    if expected is not None and key != expected:
        return ["apiKey is not the site's key"]
    return []


def _check_tsms(tsms: Any) -> list[str]:
    if isinstance(tsms, bool) or not isinstance(tsms, int):
        return [f"tsms must be an integer (ms since epoch), not {_json_type(tsms)}"]
    if tsms < _TSMS_MIN:
        return [f"tsms {tsms} looks like seconds: send milliseconds since epoch"]
    if tsms > _TSMS_MAX:
        return [f"tsms {tsms} is too large for milliseconds since epoch"]
    return []


def check_site_meters(meters: Any) -> list[str]:
    """Field names, JSON types, ranges and the power-flow equation of a `siteMeters` object."""
    if not isinstance(meters, dict):
        return [f"siteMeters must be an object, not {_json_type(meters)}"]
    if not meters:
        return ["siteMeters is empty"]
    problems = [
        f"unknown field 'siteMeters.{name}'" for name in sorted(set(meters) - set(METER_FIELDS))
    ]
    numbers: dict[str, float] = {}
    for name in METER_FIELDS:
        if name not in meters:
            continue
        value = meters[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"siteMeters.{name} must be a JSON number, not {_json_type(value)}")
        elif not math.isfinite(value):
            problems.append(f"siteMeters.{name} must be finite")
        else:
            numbers[name] = float(value)
    problems += _check_ranges(numbers)
    problems += _check_power_flow(meters, numbers)
    return problems


def _check_ranges(numbers: Mapping[str, float]) -> list[str]:
    problems = [
        f"siteMeters.{name} is negative ({numbers[name]:g})"
        for name in NEVER_NEGATIVE
        if numbers.get(name, 0.0) < 0
    ]
    soc = numbers.get("battery_soc")
    if soc is not None and not 0 <= soc <= 1:
        problems.append(f"siteMeters.battery_soc {soc:g} is not a fraction 0..1 (0.5 means 50 %)")
    return problems


def _check_power_flow(meters: Mapping[str, Any], numbers: Mapping[str, float]) -> list[str]:
    if "consumption_kw" not in meters:
        if "net_import_kw" in meters:
            return ["net_import_kw without consumption_kw: a meter gives both"]
        return []
    missing = [n for n in ("production_kw", "net_import_kw") if n not in meters]
    if missing:
        return [f"consumption_kw without {' and '.join(missing)}: the power-flow check needs them"]
    terms = ("consumption_kw", "production_kw", "net_import_kw")
    if not all(n in numbers for n in terms) or (
        "battery_discharge_kw" in meters and "battery_discharge_kw" not in numbers
    ):
        return []  # already reported as not a number
    flow = (
        numbers["production_kw"]
        + numbers["net_import_kw"]
        + numbers.get("battery_discharge_kw", 0.0)
    )
    consumption = numbers["consumption_kw"]
    if abs(consumption - flow) > POWER_FLOW_TOLERANCE_KW + 1e-9:
        return [
            f"power values are inconsistent: consumption_kw {consumption:g} != production_kw + "
            f"net_import_kw + battery_discharge_kw = {flow:.6g}"
        ]
    return []


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_push(raw: bytes, content_type: str | None) -> tuple[Any, list[str]]:
    """Decode a request body as strictly as a JSON API would: (parsed or None, problems)."""
    problems: list[str] = []
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        problems.append("Content-Type must be application/json")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                problems.append(f"duplicate field {key!r}")
            seen[key] = value
        return seen

    def no_constants(name: str) -> float:
        problems.append(f"{name} is not JSON: send finite numbers only")
        return math.nan

    try:
        text = raw.decode("utf-8")
        body = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
        return None, [*problems, "body is not JSON"]
    return body, problems


# --- the server --------------------------------------------------------------------------------
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
