"""A simulated day: 288 scheduled runs of the real handler against the emulator, on its clock.

Every run is `tools.local.site.Site.run()` (moto, the FusionSolar emulator and the ChargeHQ
receiver on loopback). Runs are 5 minutes apart with seeded ±3 s jitter, and every hour starts
a new container (`cold_start()`: only SSM carries state across). Mode "baseline" deletes the
state parameter before every run: the naive client that logs in and rediscovers every time.
"""

import io
import json
import logging
import random
import sys
import time
from contextlib import redirect_stdout, suppress
from pathlib import Path
from typing import Any

import boto3

from bench.awscount import AwsCallCounter
from bench.cost import LatencyModel
from bench.day_record import DayResult, SimulatedRun
from emulator.fusionsolar.scenario import DEFAULT_TIME_MS
from tools.local.lambda_env import REGION, STATE_PARAMETER
from tools.local.site import SCHEDULE_SECONDS, Site

RUNS_PER_DAY = 288
RUNS_PER_CONTAINER = 12  # a cold start every hour
JITTER_SECONDS = 3.0
ROUND_TRIP_S = LatencyModel().fusionsolar_call_s
TWO_PLANTS = Path(__file__).resolve().parents[1] / "emulator" / "scenarios" / "two-plants.json"
# The first local midnight after the emulator's default time, so the day runs 00:00 to 24:00.
DAY_START = (DEFAULT_TIME_MS // 1000 // 86400 + 1) * 86400


class StdoutCapture(io.TextIOBase):
    """Where the handler's stdout goes: its log lines and metrics, one segment per run."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self._parts)
        self._parts.clear()
        return text


def simulate_day(
    mode: str,
    counter: AwsCallCounter,
    capture: StdoutCapture,
    seed: int = 7,
    scenario: dict[str, Any] | None = None,
    settings: dict[str, str] | None = None,
) -> DayResult:
    """Run the day; `counter` must be installed before the first boto3 client exists.
    `scenario`: the emulated plants (default: the emulator's default plant)."""
    if mode not in ("ours", "baseline"):
        raise ValueError(f"mode must be 'ours' or 'baseline', not {mode!r}")
    rng = random.Random(seed)
    schedule = [
        DAY_START + i * SCHEDULE_SECONDS + rng.uniform(-JITTER_SECONDS, JITTER_SECONDS)
        for i in range(RUNS_PER_DAY)
    ]
    counter.reset()
    runs: list[SimulatedRun] = []
    # The emulator spends the modelled round trip on its clock, so pacing meets real latency.
    day = {**(scenario or {}), "current_time_ms": int(schedule[0] * 1000)}
    site = Site(day, latency=ROUND_TRIP_S, settings=settings)
    with redirect_stdout(capture), site:
        _route_log_handlers(capture)
        ssm = boto3.client("ssm", region_name=REGION)
        for index, at in enumerate(schedule):
            cold = index % RUNS_PER_CONTAINER == 0
            if cold:
                site.cold_start()
            if mode == "baseline":
                _delete_state(ssm)
            site.clock.set(max(site.clock.now(), at))
            runs.append(_one_run(site, counter, capture, index, at, cold))
        version = _parameter_version(ssm) if mode == "ours" else None
        sinks = {
            "hass_requests": site.hass.requests,
            "hass_received": len(site.hass.received),
            "pvoutput_requests": len(site.pvoutput.statuses),
            "pvoutput_accepted": len(site.pvoutput.accepted),
            "pvoutput_with_energy_today": sum(1 for s in site.pvoutput.accepted if "v1" in s.form),
        }
        capture.take()  # whatever the site printed while closing
    return DayResult(mode, runs, counter.reset(), version, sink_counts=sinks)


def _one_run(
    site: Site,
    counter: AwsCallCounter,
    capture: StdoutCapture,
    index: int,
    at: float,
    cold: bool,
) -> SimulatedRun:
    capture.take()
    started_sim = site.clock.now()
    with counter.counting():
        started = time.perf_counter()
        out = site.run()
        handler_ms = (time.perf_counter() - started) * 1000
    return SimulatedRun(
        index=index,
        scheduled=at,
        cold=cold,
        handler_ms=handler_ms,
        waited_s=site.clock.now() - started_sim - ROUND_TRIP_S * len(out.calls),
        calls=out.calls,
        pushes=out.pushes,
        error_code=getattr(out.error, "code", None),
        log=capture.take(),
    )


def _route_log_handlers(capture: StdoutCapture) -> None:
    """Log handlers made before stdout was redirected still write to the real stdout: move them."""
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    for lg in loggers:
        for handler in lg.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.__stdout__,
                sys.__stderr__,
            ):
                handler.setStream(capture)


def _delete_state(ssm: Any) -> None:
    with suppress(ssm.exceptions.ParameterNotFound):
        ssm.delete_parameter(Name=STATE_PARAMETER)


def _parameter_version(ssm: Any) -> int | None:
    try:
        return int(ssm.get_parameter(Name=STATE_PARAMETER)["Parameter"]["Version"])
    except ssm.exceptions.ParameterNotFound:
        return None


def two_plants_scenario() -> dict[str, Any]:
    """emulator/scenarios/two-plants.json on the emulator's day model (its fixed readings out)."""
    scenario: dict[str, Any] = json.loads(TWO_PLANTS.read_text(encoding="utf-8"))
    scenario.pop("kpis", None)
    scenario.pop("current_time_ms", None)
    return scenario
