"""The FusionSolar client against the emulator over loopback HTTP.

Client and emulator share one FakeClock; each "run" is a fresh client on state that went
through JSON (InMemoryStateStore), as a Lambda invocation with its state in SSM."""

import math

import pytest

from fusioncharge.errors import (
    FusionSolarUnavailable,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar.auth import LOGIN_SETTLE
from tests.integration.fusionsolar.runs import PLANT_CODE, TYPES


# --- a normal run ------------------------------------------------------------------------
def test_first_run_logs_in_finds_the_plant_and_reads_each_type_once(runs, emu):
    readings = runs.run()
    assert sorted(r.type_id for r in readings) == sorted(TYPES)
    for reading in readings:
        assert reading.values and all(math.isfinite(v) for v in reading.values.values())
        assert reading.time_ms == int(runs.clock.now() * 1000)
    assert [c.interface for c in emu.calls] == [
        "login",
        "stations",
        "getDevList",
        "getDevRealKpi",
        "getDevRealKpi",
        "getDevRealKpi",
    ]
    assert runs.client.calls == len(emu.calls) == 6 and runs.client.logins == 1
    state = runs.state
    assert state.token and state.token_issued_at == runs.clock.now()
    assert (state.plant_code, state.plant_name, state.plant_for_station) == (
        PLANT_CODE,
        "Home",
        "Home",
    )
    assert set(state.last_fetch) == {str(t) for t in TYPES}


def test_types_without_devices_are_not_called(runs, emu):
    readings = runs.run(types=(1, 17, 38))  # no string inverter, no grid meter here
    assert [r.type_id for r in readings] == [38]
    assert emu.count("getDevRealKpi") == 1


# --- session ---------------------------------------------------------------------------------
def test_token_is_reused_across_runs_with_no_login(runs, emu):
    runs.run()
    for _ in range(4):
        runs.clock.advance(300)
        runs.run()
        assert runs.client.logins == 0
    assert emu.count("login") == 1
    assert emu.count(outcome="fail_code") == 0


def test_token_is_renewed_before_it_expires(runs, emu):
    runs.run()
    issued = runs.state.token_issued_at
    runs.clock.set(issued + 29 * 60 - 1)
    runs.new_client().list_plants()
    assert runs.client.logins == 0
    runs.clock.set(issued + 29 * 60)
    runs.new_client().list_plants()
    assert runs.client.logins == 1
    assert emu.count("login") == 2
    assert emu.count(outcome="fail_code") == 0  # never a 305 from an expired token
    assert runs.client.state.token_issued_at == issued + 29 * 60 + LOGIN_SETTLE


def test_one_login_again_on_305_then_success(runs, emu):
    runs.run()
    runs.clock.advance(300)
    emu.expire_tokens()
    readings = runs.run()
    assert len(readings) == 3
    assert runs.client.logins == 1
    assert emu.count(outcome="fail_code") == 1  # the 305
    assert [c.interface for c in emu.calls[-3:]] == ["getDevRealKpi"] * 3


@pytest.mark.parametrize("code", [306, 307])
def test_306_and_307_also_mean_log_in_again(runs, emu, code):
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("getDevRealKpi", "fail_code", code)
    assert len(runs.run()) == 3
    assert runs.client.logins == 1


def test_never_a_second_login_in_one_run(runs, emu):
    emu.fault_next("stations", "fail_code", 305)  # right after this run's own login
    with pytest.raises(UnexpectedResponse, match="second login"):
        runs.run()
    assert emu.count("login") == 1 and runs.client.logins == 1


def test_a_305_does_not_count_as_a_reading_for_pacing(runs, emu):
    runs.run()
    before = dict(runs.state.last_fetch)
    runs.clock.advance(300)
    emu.expire_tokens()
    emu.fault_next("login", "http_500")  # the 305 is the only reply this run gets
    with pytest.raises(FusionSolarUnavailable):
        runs.run()
    assert emu.count(outcome="fail_code") == 1
    assert runs.state.last_fetch == before


def test_never_logs_out(runs, emu):
    for _ in range(12):
        runs.run()
        runs.clock.advance(300)
    assert emu.count("logout") == 0
