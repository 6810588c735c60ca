"""The accounting's promises that a wrong unit, bound or sign would break (accounting/):
the pushed equation holds exactly, counters are compared as the meter counts them, the
plausibility bounds sit where docs/accounting.md puts them, and the direction watch remembers
each counter as what it is."""

import math
from dataclasses import asdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusioncharge.accounting import meter_direction
from fusioncharge.accounting.battery import battery_capacities
from fusioncharge.accounting.meters import (
    METER_BY_TYPE,
    apparent_power_va,
    decide_unit,
    export_kw,
    power_factor,
)
from fusioncharge.accounting.plausibility import counter_problem, power_problem, soc_problem
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    MeterSample,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
)
from fusioncharge.accounting.types import field_value, kw, kwh, metered_plants
from fusioncharge.models import Device, Reading

T = 1_700_000_000_000
MIN = 60_000
finite = {"allow_nan": False, "allow_infinity": False}


def inverter(kw_: float, dev: int = 1) -> Reading:
    return Reading(dev, 1, {"active_power": kw_, "inverter_state": 512.0}, time_ms=T)


def sensor(watts: float, active_cap: float = 322.32, reverse: float = 583.08) -> Reading:
    values = {"active_power": watts, "meter_status": 1.0, "active_cap": active_cap}
    return Reading(47, 47, {**values, "reverse_active_cap": reverse}, time_ms=T)


def battery(watts: float, rated: float | None = None) -> Reading:
    values = {"ch_discharge_power": watts, "battery_soc": 50.0, "battery_status": 2.0}
    if rated is not None:
        values["max_charge_power"] = rated
    return Reading(39, 39, values, time_ms=T)


# --- the pushed equation ---------------------------------------------------------------------
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


def watch_of(n: int, ms: int, imported: float, exported: float, power: float) -> dict:
    return {"d": 47, "ms": ms, "p": power, "i": imported, "e": exported, "n": n}


def warns_after_two(watch: dict, now: MeterSample) -> bool:
    """True when this run makes the third disagreement in a row."""
    kept, warning = meter_direction.check({**watch, "n": 2}, now)
    assert kept is not None
    return warning is not None


FIVE = 5 * MIN


def step(imported: float, exported: float, power: float, gap: int = FIVE) -> MeterSample:
    return MeterSample(47, 47, power, imported, exported, T + gap)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((10.0, 0.0, 2.0), (10.0, 0.25, 2.0)),  # export from a counter at 0
        ((0.0, 10.0, -2.0), (0.25, 10.0, -2.0)),  # import from a counter at 0
        ((10.0, 0.0, -2.0), (10.25, 0.0, -2.0)),  # import, the export counter stays 0
        ((0.0, 10.0, 2.0), (0.0, 10.25, 2.0)),  # export, the import counter stays 0
    ],
)
def test_counters_at_zero_are_read_as_zero(before, after):
    assert not warns_after_two(watch_of(2, T, *before), step(*after))


def test_disagreement_needs_a_clear_flow_of_at_least_20_wh_and_200_w():
    """Exactly at both limits the flow is clear; below either it is not."""
    disagree = step(0.02, 0.0, 0.2)  # counters: 20 Wh in; power: 200 W out
    assert warns_after_two(watch_of(2, T, 0.0, 0.0, 0.2), disagree)
    assert warns_after_two(watch_of(2, T, 0.0, 0.0, 0.25), step(0.03, 0.0, 0.25))
    assert not warns_after_two(watch_of(2, T, 0.0, 0.0, 0.2), step(0.019, 0.0, 0.2))
    assert not warns_after_two(watch_of(2, T, 0.0, 0.0, 0.15), step(0.5, 0.0, 0.15))
    assert warns_after_two(watch_of(2, T, 0.0, 0.0, 0.5), step(0.5, 0.0, 0.5))


def test_samples_further_apart_than_20_minutes_start_the_count_again():
    watch = watch_of(2, T, 10.0, 0.0, 2.0)
    assert warns_after_two(watch, step(10.5, 0.0, 2.0, gap=20 * MIN))
    assert not warns_after_two(watch, step(10.5, 0.0, 2.0, gap=20 * MIN + 1))
    assert warns_after_two(watch, step(10.5, 0.0, 2.0, gap=1))
    assert not warns_after_two(watch, step(10.5, 0.0, 2.0, gap=0))  # the same reading again
    kept, _ = meter_direction.check(watch, step(10.5, 0.0, 2.0, gap=20 * MIN + 1))
    assert kept is not None and kept["n"] == 0


def test_a_watch_without_a_count_starts_from_none():
    watch = watch_of(0, T, 10.0, 0.0, 2.0)
    del watch["n"]
    kept, _ = meter_direction.check(watch, step(10.5, 0.0, 2.0))
    assert kept is not None and kept["n"] == 1


def test_the_watch_keeps_power_to_the_watt():
    kept, _ = meter_direction.check(None, step(1.0, 1.0, 2.12345))
    assert kept is not None and kept["p"] == 2.123


def test_the_warning_says_which_way_power_and_counters_point():
    _, warning = meter_direction.check(watch_of(2, T, 10.0, 0.0, 0.5), step(10.5, 0.0, 0.5))
    assert "power says export, counters say import" in (warning or "")
    _, warning = meter_direction.check(watch_of(2, T, 0.0, 10.0, -0.5), step(0.0, 10.5, -0.5))
    assert "power says import, counters say export" in (warning or "")


# --- batteries ------------------------------------------------------------------------------
def batteries(*socs: float | None, watts: float = 0.0) -> list[Reading]:
    out = [inverter(1.0)]
    for i, soc in enumerate(socs):
        values = {"ch_discharge_power": watts, "battery_status": 2.0}
        if soc is not None:
            values["battery_soc"] = soc
        out.append(Reading(100 + i, 39, values, time_ms=T))
    return out


def site(*capacities: float | None) -> tuple[SitePlant, ...]:
    devices = [Device(1, "inverter", 1, "NE=1")]
    devices += [Device(100 + i, "battery", 39, "NE=1", c) for i, c in enumerate(capacities)]
    return (SitePlant("NE=1", "Home", tuple(devices)),)


def soc_of(readings: list[Reading], plants: tuple[SitePlant, ...] = ()) -> float | None:
    m = account(readings, AccountingOptions(), plants=plants).meters
    assert isinstance(m, SiteMeters)
    return m.battery_soc


def test_the_state_of_charge_is_weighted_by_capacity_only_when_every_one_is_known():
    assert soc_of(batteries(20.0, 60.0), site(1.0, 3.0)) == 0.5  # (20 + 3 x 60) / 4
    assert soc_of(batteries(20.0, 60.0), site(1.0, None)) == 0.4  # the plain mean
    assert soc_of(batteries(20.0, 60.0), site(0.0, 3.0)) == 0.4  # a zero capacity is unknown
    assert soc_of(batteries(20.0, 60.0)) == 0.4


def test_one_batterys_unknown_state_of_charge_leaves_the_sites_out():
    assert soc_of(batteries(20.0, None)) is None
    assert soc_of(batteries(None, None)) is None


def test_an_empty_battery_is_pushed_as_0_not_minus_0():  # (sum() already turns -0.0 to 0.0)
    soc = soc_of(batteries(-0.0))
    assert soc == 0.0 and str(soc) == "0.0"


def test_only_batteries_with_a_known_capacity_have_one():
    plants = site(None, 10.0)
    inverter_with_capacity = Device(2, "inverter", 1, "NE=1", 5.0)
    plants = (SitePlant("NE=1", "Home", (*plants[0].devices, inverter_with_capacity)),)
    assert battery_capacities(plants) == {101: 10.0}


def test_a_battery_beyond_its_rated_power_is_named_and_gives_no_site_meters():
    over = Reading(39, 39, {"ch_discharge_power": 7601.0, "max_charge_power": 5000.0}, time_ms=T)
    result = account([inverter(1.0), over], AccountingOptions())
    assert isinstance(result.meters, NoSiteMeters)
    assert any("battery 39 ch_discharge_power 7601 W" in d for d in result.dropped)
    at_bound = Reading(39, 39, {"ch_discharge_power": 7600.0, "max_charge_power": 5000.0})
    assert isinstance(account([inverter(1.0), at_bound], AccountingOptions()).meters, SiteMeters)


def test_a_state_of_charge_beyond_100_is_named_and_left_out():
    result = account(batteries(150.0), AccountingOptions())
    assert isinstance(result.meters, SiteMeters) and result.meters.battery_soc is None
    assert any("battery_soc 150 left out" in d for d in result.dropped)


# --- the grid meter, one plant or several -------------------------------------------------
def plant(code: str, *devices: tuple[int, int]) -> SitePlant:
    return SitePlant(code, code, tuple(Device(i, str(i), t, code) for i, t in devices))


def meter_reading(dev: int, type_id: int, watts: float, time_ms: int, **counters: float):
    values = {"active_power": watts, "meter_status": 1.0, **counters}
    return Reading(dev, type_id, values, time_ms=time_ms)


def two_plants(second_meter_type: int = 47, *, offline: bool = False):
    plants = (plant("NE=1", (1, 1), (47, 47)), plant("NE=2", (2, 1), (48, second_meter_type)))
    readings = [
        Reading(1, 1, {"active_power": 1.0, "inverter_state": 512.0}, time_ms=T),
        Reading(2, 1, {"active_power": 1.0, "inverter_state": 512.0}, time_ms=T),
        meter_reading(47, 47, 500.0, T + 2000, active_cap=10.0, reverse_active_cap=20.0),
        meter_reading(
            48, second_meter_type, 300.0, T + 1000, active_cap=1.0, reverse_active_cap=2.0
        ),
    ]
    if offline:
        readings[3] = Reading(48, 47, {"active_power": 300.0, "meter_status": 0.0}, time_ms=T)
    return readings, plants


def test_the_plants_meters_add_up_as_one_taken_at_the_earliest_time():
    readings, plants = two_plants()
    result = account(readings, AccountingOptions(), plants=plants)
    assert isinstance(result.meters, SiteMeters)
    assert (result.meters.net_import_kw, result.meters.exported_kwh) == (-0.8, 11.0)
    assert result.meter == MeterSample(47, 47, 0.8, 22.0, 11.0, T + 1000, (48,))


def test_meters_of_different_types_add_up_under_no_one_type():
    readings, plants = two_plants(second_meter_type=17)
    result = account(readings, AccountingOptions(grid_meter_unit="W"), plants=plants)
    assert result.meter is not None and result.meter.type_id == 0


def test_summed_counters_that_ran_backwards_are_named_as_the_plants_meters():
    readings, plants = two_plants()
    first = account(readings, AccountingOptions(), plants=plants)
    readings[2] = meter_reading(47, 47, 500.0, T, active_cap=9.0, reverse_active_cap=20.0)
    again = account(readings, AccountingOptions(), previous=first.meter, plants=plants)
    assert any(d.startswith("the plants' meters (summed) export counter") for d in again.dropped)


def test_a_plant_whose_meter_gave_nothing_leaves_the_grid_fields_out_and_says_so():
    readings, plants = two_plants(offline=True)
    result = account(readings, AccountingOptions(), plants=plants)
    assert isinstance(result.meters, SiteMeters) and result.meters.net_import_kw is None
    assert any("(NE=2) has a meter but no usable meter reading" in w for w in result.warnings)


def test_a_plant_without_a_meter_is_noted():
    readings, plants = two_plants()
    plants = (plants[0], plant("NE=2", (2, 1)))
    result = account(readings[:3], AccountingOptions(), plants=plants)
    assert [key for key, _ in result.notes] == ["no meter NE=2"]


def test_an_implausible_meter_is_named_and_the_next_stands_in():
    readings = [inverter(1.0), sensor(2e6), Reading(17, 17, {"active_power": -300.0}, time_ms=T)]
    result = account(readings, AccountingOptions(grid_meter_unit="W"))
    assert any(
        d.startswith("power sensor 47 active_power 2e+06 W left out") for d in result.dropped
    )
    assert isinstance(result.meters, SiteMeters) and result.meters.net_import_kw == 0.3


def test_only_a_grid_meters_unit_is_decided_and_noted():
    assert account([inverter(1.0), sensor(-300.0)], AccountingOptions()).notes == ()
    grid = Reading(17, 17, {"active_power": -300.0}, time_ms=T)
    notes = account([inverter(1.0), grid], AccountingOptions()).notes
    assert [key for key, _ in notes] == ["grid meter 17 W"]


# --- a grid meter's unit, told from its own V·I ------------------------------------------
def grid(power: float, **values: float) -> Reading:
    return Reading(17, 17, {"active_power": power, **values}, time_ms=T)


GRID = METER_BY_TYPE[17]


@pytest.mark.parametrize(
    ("reading", "unit"),
    [
        (grid(2.3, a_u=230.0, a_i=10.0), "kW"),  # 2.3 kW is the meter's own 2300 VA
        (grid(2300.0, a_u=230.0, a_i=10.0), "W"),
        (grid(0.1, a_u=100.0, a_i=1.0), "kW"),  # 100 VA: just enough to tell
        (grid(0.15, a_u=150.0, a_i=1.0), "kW"),
        (grid(0.1, a_u=99.0, a_i=1.0), "W"),  # too little V·I to tell: W, today's unit
        (grid(10.0, a_u=230.0, a_i=10.0, power_factor=0.1), "W"),  # 230 W expected at pf 0.1
        (grid(1.0, a_u=230.0), "W"),  # a current unknown: nothing to tell from
        (grid(0.5, meter_u=230.0, meter_i=1.0), "kW"),  # one phase of three: 690 VA
    ],
)
def test_a_grid_meters_unit_is_the_one_its_own_va_agrees_with(reading, unit):
    assert decide_unit(reading, GRID, "auto")[0] == unit


def test_a_forced_unit_wins():
    assert decide_unit(grid(2300.0, a_u=230.0, a_i=10.0), GRID, "kW")[0] == "kW"
    assert decide_unit(grid(2.3, a_u=230.0, a_i=10.0), GRID, "W")[0] == "W"


def test_apparent_power_counts_a_single_phase_as_three_and_needs_every_current():
    assert apparent_power_va(grid(0.0, meter_u=230.0, meter_i=2.0)) == 1380.0
    assert apparent_power_va(grid(0.0, a_u=230.0, a_i=-2.0, b_u=230.0, b_i=1.0)) == 690.0
    assert apparent_power_va(grid(0.0, a_u=230.0)) is None


@pytest.mark.parametrize(
    ("pf", "expected"), [(None, 1.0), (0.0, 1.0), (-0.5, 0.5), (1.0, 1.0), (1.5, 1.0)]
)
def test_a_power_factor_is_used_only_as_a_fraction(pf, expected):
    values = {} if pf is None else {"power_factor": pf}
    assert power_factor(grid(0.0, **values)) == expected


def test_an_emma_reads_kw_with_plus_meaning_import():
    emma = Reading(5, 23070, {"active_power": 1.5}, time_ms=T)
    assert export_kw(emma, METER_BY_TYPE[23070], "kW") == -1.5
    assert export_kw(grid(1500.0), GRID, "W") == 1.5


def test_a_battery_rated_at_1_w_still_bounds_its_power():
    assert power_problem(battery(200.0, rated=1.0), 0.2) is not None


# --- inverters ------------------------------------------------------------------------------
def test_shutdown_states_are_768_to_774_and_mean_no_production():
    for state, producing_unknown in ((767.0, True), (768.0, False), (774.0, False), (775.0, True)):
        idle = Reading(1, 1, {"inverter_state": state}, frozenset({"active_power"}), T)
        result = account([idle], AccountingOptions()).meters
        assert isinstance(result, NoSiteMeters) == producing_unknown, state


def test_an_implausible_inverter_is_named_and_gives_no_site_meters():
    result = account([inverter(2000.0)], AccountingOptions())
    assert isinstance(result.meters, NoSiteMeters)
    assert any(
        d.startswith("inverter 1 active_power 2000 kW is not plausible") for d in result.dropped
    )


def test_of_two_plants_one_without_an_inverter_reading_gives_no_site_meters():
    readings, plants = two_plants()
    result = account([r for r in readings if r.device_id != 2], AccountingOptions(), plants=plants)
    assert isinstance(result.meters, NoSiteMeters)
    assert "no inverter reading for plant" in result.meters.reason


def test_a_device_sent_twice_counts_once_and_is_named():
    result = account([inverter(1.0), inverter(1.0), inverter(0.5, dev=2)], AccountingOptions())
    assert isinstance(result.meters, SiteMeters) and result.meters.production_kw == 1.5
    assert result.dropped == ("device 1 (type 1) sent twice: counted once",)


# --- the accounting's types -----------------------------------------------------------------
def test_every_meter_and_the_battery_count_unless_a_setting_says_otherwise():
    assert asdict(AccountingOptions()) == {
        "use_power_sensor": True,
        "use_grid_meter": True,
        "use_emma": True,
        "use_battery": True,
        "meter_export_positive": True,
        "battery_coupling": "dc",
        "battery_capacity_kwh": None,
        "grid_meter_unit": "auto",
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"battery_coupling": "both"},
        {"battery_capacity_kwh": 0.0},
        {"battery_capacity_kwh": -1.0},
        {"battery_capacity_kwh": math.inf},
        {"battery_capacity_kwh": math.nan},
        {"grid_meter_unit": "MW"},
    ],
)
def test_options_built_by_hand_are_checked(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        AccountingOptions(**bad)


def test_options_accept_what_the_settings_give():
    for good in ({"battery_coupling": "ac"}, {"battery_capacity_kwh": 0.001}):
        AccountingOptions(**good)
    for unit in ("auto", "W", "w", "kW", "KW"):
        AccountingOptions(grid_meter_unit=unit)


def test_site_meters_hold_only_the_known_fields_and_no_time():
    meters = SiteMeters(1.0, battery_soc=0.0, tsms=5)
    assert meters.as_dict() == {"production_kw": 1.0, "battery_soc": 0.0}


def test_power_to_the_watt_energy_to_10_wh_and_never_minus_zero():
    assert (kw(1.23456), kwh(1.23456), kwh(None)) == (1.235, 1.23, None)
    assert str(kw(-0.0001)) == "0.0" and str(kwh(-0.001)) == "0.0"


def test_a_value_that_is_not_finite_is_unknown():
    reading = Reading(1, 1, {"a": math.inf, "b": -math.inf, "c": math.nan, "d": 0.0})
    assert [field_value(reading, k) for k in "abcde"] == [None, None, None, 0.0, None]


def test_plants_are_named_by_name_and_code_and_only_counted_meters_count():
    home, shed = SitePlant("NE=1", "Home"), SitePlant("NE=2", meter_counts=False)
    assert (home.label, shed.label) == ("'Home' (NE=1)", "NE=2")
    assert metered_plants([home, shed]) == [home]


# --- last, as the slowest: the equation over any readings ---------------------------------
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
