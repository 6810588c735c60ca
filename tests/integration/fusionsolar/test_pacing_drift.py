"""Pacing on a 5-minute schedule when calls take real time to reach Huawei.

With a round trip of half a second and more, anchoring each type's window on the reply's
arrival made every run's calls later than the last run's: the waits grew until runs were
refused (20 refused runs a day at 0.5 s). Anchored on Huawei's own stamp, the windows stay
put: no 407 and almost no refused run, whatever the latency.
"""

import functools
import random
from collections.abc import Callable

import pytest

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from fusioncharge.clock import Deadline
from fusioncharge.errors import CallTooSoon, QuotaExceeded
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.fusionsolar.pacing import lead_estimate
from fusioncharge.models import BATTERY, POWER_SENSOR, RESIDENTIAL_INVERTER
from fusioncharge.state import InMemoryStateStore
from tools.local.site import Site

CREDENTIALS = Credentials("demo", "demo")
RUNS_A_DAY = 288
MAX_SKIPPED_A_DAY = 12  # runs a day the pacing may skip (each a push 5 minutes late)


def uniform_trips(low: float, high: float, seed: int = 3) -> Callable[[], float]:
    """Round trips that vary call by call, each way drawn apart."""
    rng = random.Random(seed)
    return lambda: rng.uniform(low, high)


def slow_one_in_ten(seed: int = 3) -> Callable[[], float]:
    """0.5 s trips, one in ten 2.5 s."""
    rng = random.Random(seed)
    return lambda: 2.5 if rng.random() < 0.1 else 0.5


JITTER_CASES: dict[str, tuple[Callable[[], Callable[[], float]], float]] = {
    # name: (the trips, Huawei's clock drift in seconds a day)
    "trips 0.4-0.6 s": (lambda: uniform_trips(0.4, 0.6), 0.0),
    "trips 0.3-1.2 s": (lambda: uniform_trips(0.3, 1.2), 0.0),
    "0.5 s, one in ten 2.5 s": (slow_one_in_ten, 0.0),
    "Huawei's clock gains 1 s an hour": (lambda: uniform_trips(0.4, 0.6), 24.0),
    "Huawei's clock loses 1 s an hour": (lambda: uniform_trips(0.4, 0.6), -24.0),
}


def simulate_day(
    latency: float | Callable[[], float],
    seed: int = 7,
    *,
    misstamp: float | None = None,
    drift_a_day: float = 0.0,
    step: float = 0.0,
) -> tuple[int, int, int]:
    """A day of runs every 300 s ± 3 s; returns (runs read, runs refused, 407 replies).

    Huawei's clock may be off: `misstamp` puts one bogus currentTime (that many seconds off)
    in a reply at 6:00, `drift_a_day` lets its clock gain (or lose) that much over the day,
    and `step` sets it forward (or back) at noon."""
    clock = FakeClock(1_700_049_600.0)
    rng = random.Random(seed)
    store = InMemoryStateStore()
    read = refused = 0
    with FusionSolarEmulator(None, clock=clock, latency=latency) as emu:
        slot = clock.now()
        for run in range(RUNS_A_DAY):
            slot += 300
            clock.set(max(clock.now(), slot + rng.uniform(-3, 3)))
            emu.clock_offset += drift_a_day / RUNS_A_DAY + (step if run == RUNS_A_DAY // 2 else 0)
            if misstamp is not None and run == RUNS_A_DAY // 4:
                emu.misstamp_next(misstamp)
            deadline = Deadline.after(clock, 55)
            client = FusionSolarClient.on_store(
                emu.base_url,
                CREDENTIALS,
                store,
                clock=clock,
                deadline=deadline,
            )
            try:
                plant = client.plant("Home")
                client.readings(plant, (RESIDENTIAL_INVERTER, POWER_SENSOR, BATTERY))
                read += 1
            except CallTooSoon:
                refused += 1
            except QuotaExceeded:
                pass  # counted by the emulator: the caller asserts there are none
            finally:
                client.checkpoint.save(client.state)
        quota = emu.count("getDevRealKpi", "quota")
    return read, refused, quota


@pytest.mark.parametrize("latency", [0.0, 0.5, 1.5])
def test_windows_do_not_drift_with_latency(latency):
    read, refused, quota = simulate_day(latency)
    assert quota == 0, "the pacing let a call into Huawei's 5-minute window"
    assert refused <= MAX_SKIPPED_A_DAY, f"{refused} runs refused in a day at {latency} s latency"
    assert read + refused == RUNS_A_DAY


@pytest.mark.parametrize("case", list(JITTER_CASES))
def test_no_quota_refusal_when_trips_vary_or_huaweis_clock_drifts(case):
    """A forward trip shorter than the recent ones, or Huawei's clock losing time, must not
    put a call inside the window (with a 0.05 s margin: 43-130 refusals a day)."""
    trips, drift = JITTER_CASES[case]
    read, refused, quota = simulate_day(trips(), drift_a_day=drift)
    assert quota == 0, f"{quota} calls inside Huawei's window ({case})"
    assert refused <= MAX_SKIPPED_A_DAY, f"{refused} runs skipped ({case})"
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


@functools.cache
def refused_on_a_plain_day() -> int:
    return simulate_day(1.5)[1]


def test_one_bogus_stamp_costs_at_most_one_refused_run():
    """A reply that says a wrong currentTime (an hour behind, a minute ahead...) once."""
    baseline = refused_on_a_plain_day()
    for seconds in (-3600.0, -30.0, 30.0, 3600.0):
        read, refused, quota = simulate_day(1.5, misstamp=seconds)
        assert quota == 0, f"a stamp {seconds} s off let a call into a window"
        assert refused <= baseline + 1, f"a stamp {seconds} s off: {refused} runs refused"
        assert read + refused == RUNS_A_DAY


@pytest.mark.parametrize(
    ("drift_a_day", "step"),
    [(10.0, 0.0), (-10.0, 0.0), (0.0, 60.0), (10.0, 600.0)],
    ids=["gains-10s-a-day", "loses-10s-a-day", "steps-a-minute-ahead", "steps-10-minutes-ahead"],
)
def test_a_drifting_or_stepping_clock_is_followed(drift_a_day, step):
    """Huawei's clock gaining (or losing) seconds a day, or set forward: the pacing follows it
    (a clock set back would make any client's next call inside Huawei's window: not tested)."""
    baseline = refused_on_a_plain_day()
    read, refused, quota = simulate_day(1.5, drift_a_day=drift_a_day, step=step)
    assert quota == 0
    assert refused <= baseline + 2, f"{refused} runs refused in a day"
    assert read + refused == RUNS_A_DAY


def test_the_estimate_of_huaweis_clock_needs_two_stamps_that_agree():
    assert lead_estimate([0.4]) is None  # one stamp: the arrival is used
    assert lead_estimate([0.4, 0.3, 0.5]) == 0.3  # the trips vary: the shortest counts
    assert lead_estimate([0.4, 0.3, -3600.0]) == 0.3  # a bogus stamp alone is left out
    assert lead_estimate([0.4, -3600.0, 0.5]) == 0.4  # and forgotten when the next agrees
    assert lead_estimate([0.4, 0.3, 60.4, 60.3]) == 60.3  # a clock set forward is followed
    assert lead_estimate([0.4, 2600.0, -900.0]) is None  # nothing agrees: the arrival
