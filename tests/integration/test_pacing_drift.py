"""Pacing on a 5-minute schedule when calls take real time to reach Huawei.

With a round trip of half a second and more, anchoring each type's window on the reply's
arrival made every run's calls later than the last run's: the waits grew until runs were
refused (20 refused runs a day at 0.5 s). Anchored on Huawei's own stamp, the windows stay
put: no 407 and almost no refused run, whatever the latency.
"""

import random

import pytest

from emulator.clock import FakeClock
from emulator.fusionsolar import FusionSolarEmulator
from fusioncharge.clock import Deadline
from fusioncharge.errors import CallTooSoon
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.models import BATTERY, POWER_SENSOR, RESIDENTIAL_INVERTER
from fusioncharge.state import InMemoryStateStore
from tools.local_site import Site

CREDENTIALS = Credentials("demo", "demo")
RUNS_A_DAY = 288


def simulate_day(latency: float, seed: int = 7) -> tuple[int, int, int]:
    """A day of runs every 300 s ± 3 s; returns (runs read, runs refused, 407 replies)."""
    clock = FakeClock(1_700_049_600.0)
    rng = random.Random(seed)
    store = InMemoryStateStore()
    read = refused = 0
    with FusionSolarEmulator(None, clock=clock, latency=latency) as emu:
        slot = clock.now()
        for _ in range(RUNS_A_DAY):
            slot += 300
            clock.set(max(clock.now(), slot + rng.uniform(-3, 3)))
            client = FusionSolarClient(
                emu.base_url,
                CREDENTIALS,
                store.load(),
                clock=clock,
                deadline=Deadline.after(clock, 55),
            )
            try:
                plant = client.plant("Home")
                client.readings(plant, (RESIDENTIAL_INVERTER, POWER_SENSOR, BATTERY))
                read += 1
            except CallTooSoon:
                refused += 1
            finally:
                store.save(client.state)
        quota = emu.count("getDevRealKpi", "quota")
    return read, refused, quota


@pytest.mark.parametrize("latency", [0.0, 0.5, 1.5])
def test_windows_do_not_drift_with_latency(latency):
    read, refused, quota = simulate_day(latency)
    assert quota == 0, "the pacing let a call into Huawei's 5-minute window"
    assert refused <= 2, f"{refused} runs refused in a day at {latency} s latency"
    assert read + refused == RUNS_A_DAY


def test_a_run_too_early_is_skipped_quietly_and_the_next_one_reads():
    with Site(latency=0.3) as site:
        first = site.run()
        early = site.next_run(200)  # 100 s inside the window: too long to wait
        on_time = site.next_run(100)
    assert first.error is None and len(first.pushes) == 1
    assert early.error is None, "a pacing skip is no failure: no alarm, no failure queue"
    assert early.pushes == [] and early.calls_to("getDevRealKpi") == 0
    assert early.returned["skipped"]
    assert on_time.error is None and len(on_time.pushes) == 1
    assert site.emulator.count("getDevRealKpi", "quota") == 0
