"""The FusionSolar client against the emulator over loopback HTTP.

Client and emulator share one FakeClock; each "run" is a fresh client on state that went
through JSON (InMemoryStateStore), as a Lambda invocation with its state in SSM."""

import random

import pytest

from fusioncharge.errors import (
    CallTooSoon,
    FusionSolarError,
)


# --- pacing ---------------------------------------------------------------------------------
def test_a_call_a_little_early_waits_out_the_window(runs, emu):
    runs.run()
    first = runs.clock.now()
    runs.clock.advance(290)
    assert len(runs.run()) == 3
    assert runs.clock.now() == first + 300  # slept 10 s on the shared clock
    assert emu.count(outcome="quota") == 0


def test_a_call_much_too_early_is_refused_without_a_request(runs, emu):
    runs.run()
    runs.clock.advance(200)
    before = emu.count()
    with pytest.raises(CallTooSoon) as caught:
        runs.run(seconds=600)  # time enough, but a 100 s wait is not worth a run
    assert emu.count() == before
    assert "UTC" in str(caught.value)


def test_no_waiting_past_the_deadline(runs, emu):
    runs.run()
    runs.clock.advance(290)
    with pytest.raises(CallTooSoon):
        runs.run(seconds=8)  # waiting 10 s would overrun the run
    assert emu.count("getDevRealKpi") == 3


def test_a_day_of_runs_with_jitter_never_hits_the_quota(runs, emu):
    jitter = random.Random(7)
    errors = []
    for _ in range(288):
        try:
            runs.run()
        except FusionSolarError as exc:
            errors.append(exc)
        runs.clock.advance(300 + jitter.uniform(-3, 3))
    assert errors == []
    assert emu.count(outcome="quota") == 0
    assert emu.count(outcome="fail_code") == 0
    assert emu.count("login") <= 49
    assert emu.count("getDevRealKpi") == 3 * 288
    assert emu.count("getDevList") <= 5
