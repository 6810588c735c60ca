"""The run-to-run checks through their one entry point: each reads what the last run kept and
hands on what the next run checks against, through the State's fields."""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from fusioncharge.accounting.run_to_run import Watches, account_since
from fusioncharge.accounting.site_meters import AccountingOptions, SiteMeters, SitePlant
from fusioncharge.models import CounterSample, Device, Reading
from fusioncharge.state import State

AMS = ZoneInfo("Europe/Amsterdam")
NOON_MS = int(datetime(2026, 6, 1, 12, 0, tzinfo=AMS).timestamp()) * 1000
FIVE_MIN_MS = 5 * 60_000
PLANT = SitePlant("NE=1", devices=(Device(1, "", 1, "NE=1"), Device(47, "", 47, "NE=1")), zone=AMS)


def readings(
    run: int, *, meter_w: float, imported: float, exported: float, day_cap: float = 10.0
) -> list[Reading]:
    """An inverter making 1 kW and the power sensor (W, > 0 exporting; `active_cap` counts the
    export), `run` runs after noon."""
    at = NOON_MS + run * FIVE_MIN_MS
    inverter = {"active_power": 1.0, "inverter_state": 512.0, "day_cap": day_cap}
    sensor = {"active_power": meter_w, "meter_status": 1.0, "active_cap": exported}
    return [
        Reading(1, 1, inverter, time_ms=at),
        Reading(47, 47, {**sensor, "reverse_active_cap": imported}, time_ms=at),
    ]


def poll(state: State, run: int, **values: float):
    """One run as the poll makes it: checked against the state, the watches kept in it."""
    now = (NOON_MS + run * FIVE_MIN_MS) / 1000
    checked = account_since(state, readings(run, **values), AccountingOptions(), [PLANT], now)
    checked.watches.keep_in(state)
    return checked


def test_the_watches_go_to_the_state_and_the_next_run_reads_them():
    state = State()
    first = poll(state, 0, meter_w=-500.0, imported=100.0, exported=50.0)
    assert state.meter_watch is not None and state.meter_watch.imported_kwh == 100.0
    assert state.energy_watch == first.accounting.energy_watch is not None
    assert state.energy_watch.inverter_day == CounterSample(10.0, NOON_MS // 60_000)
    assert (state.negative_runs, first.sign_warnings) == (None, ())


def test_a_meter_counter_that_ran_backwards_since_the_last_run_is_left_out():
    state = State()
    poll(state, 0, meter_w=-500.0, imported=100.0, exported=50.0)
    second = poll(state, 1, meter_w=-500.0, imported=90.0, exported=50.0)
    assert any(
        "meter 47 reverse_active_cap 90 kWh left out: ran backwards" in d
        for d in second.accounting.dropped
    )
    assert isinstance(second.accounting.meters, SiteMeters)
    assert second.accounting.meters.net_import_kw == 0.5  # the power still goes


def test_an_energy_counter_that_restarted_at_noon_is_left_out_and_the_last_one_held():
    state = State()
    poll(state, 0, meter_w=-500.0, imported=100.0, exported=50.0)
    kept = state.energy_watch
    second = poll(state, 1, meter_w=-500.0, imported=100.04, exported=50.0, day_cap=0.5)
    assert any("not at the plant's midnight" in d for d in second.accounting.dropped)
    assert state.energy_watch == kept


def test_negative_consumption_warns_on_the_third_run_in_a_row():
    """Exporting 3 kW while the inverter makes 1 kW: the meter reads the wrong way round."""
    state = State()
    said = [
        poll(state, n, meter_w=3000.0, imported=100.0, exported=50.0).sign_warnings
        for n in range(4)
    ]
    assert [len(s) for s in said] == [0, 0, 1, 1]
    assert "consumption has been negative" in said[2][0]
    assert state.negative_runs == 4
    poll(state, 4, meter_w=-500.0, imported=100.0, exported=50.0)
    assert state.negative_runs is None


def test_power_and_counters_that_disagree_warn_about_the_meters_sign():
    """Power says export; the import counter grows: the sign is suspect after 3 runs."""
    state = State()
    said = [
        poll(state, n, meter_w=500.0, imported=100.0 + 0.05 * n, exported=50.0).sign_warnings
        for n in range(5)
    ]
    assert [len(s) for s in said] == [0, 0, 0, 1, 1]
    assert "disagree about the direction" in said[3][0]
    assert state.meter_watch is not None and state.meter_watch.streak == 4


def test_watches_stand_in_for_the_state():
    state = State()
    poll(state, 0, meter_w=-500.0, imported=100.0, exported=50.0)
    last = Watches(state.meter_watch, state.energy_watch, 2)
    checked = account_since(
        last,
        readings(1, meter_w=3000.0, imported=100.0, exported=50.3),
        AccountingOptions(),
        [PLANT],
        (NOON_MS + FIVE_MIN_MS) / 1000,
    )
    assert checked.watches.negative_runs == 3 and len(checked.sign_warnings) == 1
    assert replace(checked.watches, negative_runs=None).meter_watch is not None
