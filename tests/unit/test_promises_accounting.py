"""The accounting's promises that a wrong unit, bound or sign would break (accounting/):
the pushed equation holds exactly, counters are compared as the meter counts them, the
plausibility bounds sit where docs/accounting.md puts them, and the direction watch remembers
each counter as what it is."""

from hypothesis import given
from hypothesis import strategies as st

from fusioncharge.accounting import meter_direction
from fusioncharge.accounting.plausibility import counter_problem, power_problem, soc_problem
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    MeterSample,
    SiteMeters,
    account,
)
from fusioncharge.accounting.types import kw
from fusioncharge.models import Reading

T = 1_700_000_000_000
MIN = 60_000
finite = {"allow_nan": False, "allow_infinity": False}


def inverter(kw_: float) -> Reading:
    return Reading(1, 1, {"active_power": kw_, "inverter_state": 512.0}, time_ms=T)


def sensor(watts: float, active_cap: float = 322.32, reverse: float = 583.08) -> Reading:
    values = {"active_power": watts, "meter_status": 1.0, "active_cap": active_cap}
    return Reading(47, 47, {**values, "reverse_active_cap": reverse}, time_ms=T)


def battery(watts: float, rated: float | None = None) -> Reading:
    values = {"ch_discharge_power": watts, "battery_soc": 50.0, "battery_status": 2.0}
    if rated is not None:
        values["max_charge_power"] = rated
    return Reading(39, 39, values, time_ms=T)


# --- the pushed equation --------------------------------------------------------------------
@given(
    production=st.floats(0, 30, **finite),
    meter_w=st.floats(-30_000, 30_000, **finite),
    battery_w=st.one_of(st.none(), st.floats(-5000, 5000, **finite)),
    dc=st.booleans(),
    export_positive=st.booleans(),
)
def test_consumption_is_exactly_the_sum_of_the_pushed_terms(
    production, meter_w, battery_w, dc, export_positive
):
    readings = [inverter(production), sensor(meter_w)]
    if battery_w is not None:
        readings.append(battery(battery_w))
    options = AccountingOptions(
        battery_coupling="dc" if dc else "ac", meter_export_positive=export_positive
    )
    m = account(readings, options).meters
    assert isinstance(m, SiteMeters)
    assert m.net_import_kw is not None and m.consumption_kw is not None
    terms = m.production_kw + m.net_import_kw + (m.battery_discharge_kw or 0.0)
    assert m.consumption_kw == kw(terms)


def test_consumption_from_the_rounded_grid_term():
    """4.897 - 9.4085 rounds to -4.511; the pushed terms 4.897 and -9.408 give -4.511 too, but
    4.897 + round(-9.4085, 3) in floats is -4.512: the terms pushed decide, not the reading."""
    m = account([inverter(4.897), sensor(9408.5)], AccountingOptions()).meters
    assert isinstance(m, SiteMeters)
    assert m.net_import_kw is not None
    assert m.consumption_kw == kw(m.production_kw + m.net_import_kw)


# --- counters compared as the meter counts them ------------------------------------------
def test_a_mirrored_meters_unchanged_counters_are_not_taken_for_running_backwards():
    options = AccountingOptions(meter_export_positive=False)
    readings = [inverter(2.0), sensor(500.0, active_cap=100.0, reverse=900.0)]
    first = account(readings, options)
    assert first.meter is not None
    again = account(readings, options, previous=first.meter)
    assert again.dropped == ()
    assert isinstance(again.meters, SiteMeters)
    assert (again.meters.imported_kwh, again.meters.exported_kwh) == (100.0, 900.0)
    back = account(
        [inverter(2.0), sensor(500.0, active_cap=99.0, reverse=900.0)],
        options,
        previous=first.meter,
    )
    assert any("ran backwards" in d for d in back.dropped)


# --- plausibility bounds ----------------------------------------------------------------------
def test_a_battery_may_move_up_to_one_and_a_half_times_its_rated_power_plus_100_w():
    assert power_problem(battery(7600.0, rated=5000.0), 7.6) is None
    assert power_problem(battery(-7600.0, rated=5000.0), -7.6) is None
    assert "rated 5000 W" in (power_problem(battery(7700.0, rated=5000.0), 7.7) or "")
    assert power_problem(battery(9000.0), 9.0) is None  # no rated power: no such bound


def test_a_meter_may_show_up_to_three_times_its_own_va_plus_1000_w():
    meter = Reading(17, 17, {"a_u": 230.0, "a_i": 10.0}, time_ms=T)  # 2300 VA
    assert power_problem(meter, 7.9) is None  # 3 x 2300 + 1000 = 7900 W
    assert power_problem(meter, -7.9) is None
    assert "own V·I of 2300 VA" in (power_problem(meter, 8.0) or "")
    assert "own V·I" in (power_problem(meter, -8.0) or "")


def test_no_home_device_moves_a_megawatt():
    bare = Reading(1, 1, {}, time_ms=T)
    assert power_problem(bare, 1000.0) is None
    assert power_problem(bare, -1000.0) is None
    assert "1000 kW" in (power_problem(bare, 1000.5) or "")
    assert power_problem(bare, -1000.5) is not None


def test_counter_and_soc_bounds():
    assert counter_problem(0.0, None) is None
    assert counter_problem(-0.001, None) is not None
    assert counter_problem(1e7, None) is None
    assert counter_problem(1e7 + 1, None) is not None
    assert counter_problem(99.99, 100.0) is None  # rounding
    assert counter_problem(99.98, 100.0) is not None
    assert (soc_problem(0.0), soc_problem(100.0)) == (None, None)
    assert soc_problem(-0.1) is not None and soc_problem(100.1) is not None


# --- the meter-direction watch --------------------------------------------------------------
def sample(i: int, imported: float, exported: float, export_kw: float = 2.0) -> MeterSample:
    return MeterSample(47, 47, export_kw, imported, exported, i * 5 * MIN)


def warnings_of(samples: list[MeterSample]) -> list[str | None]:
    watch, out = None, []
    for s in samples:
        watch, warning = meter_direction.check(watch, s)
        out.append(warning)
    return out


def test_the_watch_remembers_each_counter_as_what_it_is():
    watch, _ = meter_direction.check(None, sample(0, imported=1000.0, exported=20.0))
    previous = meter_direction.previous(watch)
    assert previous is not None
    assert (previous.imported_kwh, previous.exported_kwh) == (1000.0, 20.0)
    assert (previous.export_kw, previous.time_ms, previous.device_id) == (2.0, 0, 47)


def test_exporting_with_the_export_counter_growing_never_warns():
    runs = [sample(i, imported=1000.0, exported=20.0 + 0.2 * i) for i in range(6)]
    assert warnings_of(runs) == [None] * 6


def test_a_quiet_run_neither_adds_to_nor_resets_the_disagreement_streak():
    # power says export while the import counter grows; the third run's counters stand still
    imported = [10.0, 10.25, 10.25, 10.5, 10.75]
    runs = [sample(i, imported=v, exported=5.0) for i, v in enumerate(imported)]
    assert warnings_of(runs)[:4] == [None] * 4
    assert "3 runs in a row" in (warnings_of(runs)[4] or "")


def test_a_run_that_agrees_resets_the_streak():
    imported = [10.0, 10.25, 10.5, 10.5, 10.75, 11.0]
    exported = [5.0, 5.0, 5.0, 5.25, 5.25, 5.25]
    runs = [
        sample(i, imported=a, exported=b)
        for i, (a, b) in enumerate(zip(imported, exported, strict=True))
    ]
    assert warnings_of(runs) == [None] * 6
