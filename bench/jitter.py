"""Pacing under jitter: simulated days of the client alone, with round trips that vary call by
call and Huawei's clock drifting, counting quota refusals (407) and runs the pacing skipped.

Each case runs twice: with the pacing as it is, and with the margin and wait it had before
(0.05 s, 20 s), so the table shows what the change bought and what it costs in skipped runs.
"""

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from fusioncharge.clock import Deadline
from fusioncharge.errors import CallTooSoon, QuotaExceeded
from fusioncharge.fusionsolar import Credentials, FusionSolarClient, pacing
from fusioncharge.models import BATTERY, POWER_SENSOR, RESIDENTIAL_INVERTER
from fusioncharge.state import InMemoryStateStore

RUNS = 288
BEFORE = {"LEAD_MARGIN": 0.05, "MAX_PACING_WAIT": 20.0}
Trips = Callable[[random.Random], Callable[[], float]]


def _uniform(low: float, high: float) -> Trips:
    return lambda rng: lambda: rng.uniform(low, high)


def _slow_one_in_ten(rng: random.Random) -> Callable[[], float]:
    return lambda: 2.5 if rng.random() < 0.1 else 0.5


# name: (round trips, Huawei's clock drift in seconds a day)
CASES: dict[str, tuple[Trips, float]] = {
    "trips 0.5 s": (_uniform(0.5, 0.5), 0.0),
    "trips 0.4-0.6 s": (_uniform(0.4, 0.6), 0.0),
    "trips 0.3-1.2 s": (_uniform(0.3, 1.2), 0.0),
    "0.5 s, 1 in 10 at 2.5 s": (_slow_one_in_ten, 0.0),
    "clock gains 1 s/h": (_uniform(0.4, 0.6), 24.0),
    "clock loses 1 s/h": (_uniform(0.4, 0.6), -24.0),
}


def jitter_day(trips: Trips, drift_a_day: float, seed: int) -> dict[str, int]:
    """One day of 5-minute runs (±3 s): quota refusals and skipped runs."""
    rng = random.Random(seed)
    clock = FakeClock(1_700_049_600.0)
    store = InMemoryStateStore(clock=clock)
    skipped = 0
    with FusionSolarEmulator(None, clock=clock, latency=trips(rng)) as emu:
        slot = clock.now()
        for _ in range(RUNS):
            slot += 300
            clock.set(max(clock.now(), slot + rng.uniform(-3, 3)))
            emu.clock_offset += drift_a_day / RUNS
            deadline = Deadline.after(clock, 55)
            client = FusionSolarClient.on_store(
                emu.base_url, Credentials("demo", "demo"), store, clock=clock, deadline=deadline
            )
            try:
                client.readings(client.plant("Home"), (RESIDENTIAL_INVERTER, POWER_SENSOR, BATTERY))
            except CallTooSoon:
                skipped += 1
            except QuotaExceeded:
                pass  # counted by the emulator
            finally:
                client.checkpoint.save(client.state)
        return {"quota_refusals": emu.count("getDevRealKpi", "quota"), "skipped_runs": skipped}


@contextmanager
def _pacing(values: dict[str, float]) -> Iterator[None]:
    kept = {name: getattr(pacing, name) for name in values}
    for name, value in values.items():
        setattr(pacing, name, value)
    try:
        yield
    finally:
        for name, value in kept.items():
            setattr(pacing, name, value)


def jitter_figures(seed: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name, (trips, drift) in CASES.items():
        ours = jitter_day(trips, drift, seed)
        with _pacing(BEFORE):
            before = jitter_day(trips, drift, seed)
        figures[name] = {**ours, "before": before}
    return figures


def jitter_rows(figures: dict[str, Any]) -> list[str]:
    lines = [
        "Pacing under jitter (a simulated day of the client; before = 0.05 s margin, 20 s wait):",
        f"  {'case':<26}{'407s':>6}{'skipped':>9}{'407s before':>13}{'skipped before':>16}",
    ]
    for name, f in figures.items():
        b = f["before"]
        lines.append(
            f"  {name:<26}{f['quota_refusals']:>6}{f['skipped_runs']:>9}"
            f"{b['quota_refusals']:>13}{b['skipped_runs']:>16}"
        )
    return lines
