"""The accounting's promises that a wrong unit, bound or sign would break (accounting/):
the pushed equation holds exactly, counters are compared as the meter counts them, the
plausibility bounds sit where docs/accounting.md puts them, batteries and the types say what
docs/accounting.md says. Several plants and a meter's unit: test_promises_grid.py."""

import math
from dataclasses import asdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusioncharge.accounting import consumption_check
from fusioncharge.accounting.battery import Battery, battery_capacities, battery_of
from fusioncharge.accounting.inverters import inverters_ac, inverters_pv
from fusioncharge.accounting.plausibility import (
    battery_limit_kw,
    counter_problem,
    export_problem,
    power_problem,
    production_problem,
    soc_problem,
    time_problem,
)
from fusioncharge.accounting.production import production
from fusioncharge.accounting.site_bounds import export_checked
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
)
from fusioncharge.accounting.types import AccountingLog, Meter, field_value, kw, kwh, metered_plants
from fusioncharge.models import Device, Reading
from tests.support.readings import T, battery, inverter, sensor

finite = {"allow_nan": False, "allow_infinity": False}


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


def test_a_battery_rated_at_1_still_bounds_its_power():
    """Issue 26 changed this promise: a rated power below 100 is firmware that says kW (a
    battery rated 1 W was refused at 200 W; now it is 1 kW, refused beyond 1.6 kW)."""
    assert power_problem(battery(200.0, rated=1.0), 0.2) is None
    assert power_problem(battery(1700.0, rated=1.0), 1.7) is not None


def test_counter_and_soc_bounds():
    assert counter_problem(0.0, None) is None
    assert counter_problem(-0.001, None) is not None
    assert counter_problem(1e7, None) is None
    assert counter_problem(1e7 + 1, None) is not None
    assert counter_problem(99.99, 100.0) is None  # rounding
    assert counter_problem(99.98, 100.0) is not None
    assert (soc_problem(0.0), soc_problem(100.0)) == (None, None)
    assert soc_problem(-0.1) is not None and soc_problem(100.1) is not None


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
        "plant_capacity_kwp": None,  # none set: the plant list's own capacity bounds power
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


# --- negative consumption (consumption_check.py): a warning after 3 runs below -0.1 kW -------
def consuming(kw: float | None) -> SiteMeters:
    return SiteMeters(production_kw=0.0, consumption_kw=kw)


@pytest.mark.parametrize(
    ("kw", "runs", "kept"),
    [(-0.1, 2, None), (0.0, 2, None), (-0.101, None, 1), (-0.2, 1, 2), (-0.2, 0, 1)],
)
def test_runs_below_minus_0_1_kw_are_counted_and_any_other_run_resets_the_count(kw, runs, kept):
    assert consumption_check.check(runs, consuming(kw)) == (kept, None)


def test_the_third_run_in_a_row_below_minus_0_1_kw_warns_and_the_count_goes_on():
    count, warning = consumption_check.check(2, consuming(-1.2))
    assert count == 3 and warning and "negative (-1.2 kW now) for 3 runs in a row" in warning
    count, warning = consumption_check.check(3, consuming(-1.2))
    assert count == 4 and warning and "for 4 runs in a row" in warning


@pytest.mark.parametrize("meters", [consuming(None), NoSiteMeters("no reading")])
def test_a_run_without_consumption_keeps_the_count(meters):
    assert consumption_check.check(2, meters) == (2, None)
    assert consumption_check.check(None, meters) == (None, None)


# --- inverters at night (`dark`: their plant's sun is down) and PV power (mppt_power) --------
def test_an_inverter_saying_nothing_at_night_produces_nothing_and_is_noted():
    silent = Reading(1, 1, {}, unknown=frozenset({"active_power"}), time_ms=T)
    log = AccountingLog()
    assert inverters_ac([silent], log, frozenset({1})) == 0.0
    assert [key for key, _ in log.notes] == ["inverter 1 dark"]


def test_an_inverter_that_says_anything_at_night_is_not_asleep():
    producing = Reading(1, 1, {"inverter_state": 512.0}, frozenset({"active_power"}), time_ms=T)
    assert isinstance(inverters_ac([producing], AccountingLog(), frozenset({1})), NoSiteMeters)


def test_pv_power_of_an_inverter_standing_by_without_mppt_power_is_zero():
    standby = Reading(1, 1, {"inverter_state": 40960.0}, time_ms=T)
    sunny = Reading(2, 1, {"mppt_power": 1.5, "inverter_state": 512.0}, time_ms=T)
    assert inverters_pv([standby, sunny], AccountingLog()) == 1.5


def test_implausible_pv_power_is_named_and_gives_no_site_meters():
    log = AccountingLog()
    wild = Reading(1, 1, {"mppt_power": 2000.0}, time_ms=T)
    assert isinstance(inverters_pv([wild], log), NoSiteMeters)
    assert len(log.dropped) == 1
    assert log.dropped[0].startswith("inverter 1 mppt_power 2000 kW is not plausible")


# --- relative plausibility: bounds from the plant's capacity, the counter's growth, the time --
def test_production_beyond_1_5_times_the_kwp_plus_1_kw_is_no_measurement():
    assert production_problem(16.0, 10.0) is None
    assert production_problem(16.01, 10.0) == "far beyond the plant's capacity of 10 kWp"
    assert production_problem(1e6, None) is None  # capacity unknown: no bound


@pytest.mark.parametrize(
    ("discharge", "most"),
    [(0.0, 25.0), (3.0, 28.0), (-3.0, 25.0)],  # charging adds nothing
)
def test_export_beyond_2_times_the_kwp_plus_5_kw_plus_the_discharge_is_no_measurement(
    discharge, most
):
    assert export_problem(most, 10.0, discharge) is None
    assert export_problem(most + 0.01, 10.0, discharge) is not None
    assert export_problem(1e6, None, discharge) is None


@pytest.mark.parametrize(
    ("kwh", "hours", "plausible"),
    [
        (1101.0, 1.0, True),  # 1000 kW for an hour, + 1 kWh
        (1101.02, 1.0, False),
        (184.3, 0.0, True),  # at least 5 minutes: 1000 kW / 12, + 1 kWh
        (184.4, 0.0, False),
        (184.4, None, True),  # time unknown: growth unbounded
    ],
)
def test_a_counter_grows_at_most_1000_kw_for_the_hours_since_or_5_minutes(kwh, hours, plausible):
    assert (counter_problem(kwh, 100.0, hours) is None) == plausible


def test_the_readings_time_lies_within_a_day_of_the_runs_clock():
    now = 1_700_000_000.0
    assert time_problem(int((now + 86400) * 1000), now) is None
    assert time_problem(int((now - 86400) * 1000), now) is None
    assert time_problem(int((now + 86400) * 1000) + 1, now) is not None
    assert time_problem(0, None) is None


# --- production never holds a DC battery's discharge; export bounded by the plant's capacity --
def test_ac_coupled_production_is_the_inverters_ac_output_never_below_zero():
    ac = AccountingOptions(battery_coupling="ac")
    assert production(0.5, None, [], [], ac, [], AccountingLog()) == 0.5
    assert production(-0.2, 0.3, [], [], ac, [], AccountingLog()) == 0.0


def test_an_unread_dc_battery_takes_production_from_mppt_power_and_says_so():
    log = AccountingLog()
    pv = Reading(1, 1, {"active_power": 3.0, "mppt_power": 1.2, "inverter_state": 512.0}, time_ms=T)
    unread = Reading(39, 39, {"battery_soc": 50.0}, time_ms=T)
    assert production(3.0, None, [pv], [pv, unread], AccountingOptions(), [], log) == 1.2
    assert [key for key, _ in log.notes] == ["production from mppt_power"]


@pytest.mark.parametrize(
    ("export_positive", "as_mounted", "kept"),
    [(True, 25.0, True), (True, 25.01, False), (False, -25.01, False), (False, 25.01, True)],
)
def test_a_meter_exporting_beyond_2_times_the_kwp_plus_5_kw_is_left_out(
    export_positive, as_mounted, kept
):
    meter = Meter(47, 47, as_mounted, None, None, T)
    options = AccountingOptions(meter_export_positive=export_positive)
    log = AccountingLog()
    assert (export_checked(meter, 10.0, None, options, log) is meter) == kept
    assert len(log.dropped) == (0 if kept else 1)


def test_production_beyond_the_set_capacity_gives_no_site_meters_and_is_named():
    result = account([inverter(20.0), sensor(-300.0)], AccountingOptions(plant_capacity_kwp=10.0))
    assert isinstance(result.meters, NoSiteMeters)
    assert "set PLANT_CAPACITY_KWP" in result.meters.reason
    assert result.dropped == (
        "production 20 kW is not plausible: far beyond the plant's capacity of 10 kWp",
    )
    assert isinstance(
        account([inverter(16.0)], AccountingOptions(plant_capacity_kwp=10.0)).meters, SiteMeters
    )


def test_what_a_plant_can_export_includes_its_batterys_discharge():
    """A 5 kWp plant's panels give at most 2 × 5 + 5 = 15 kW of export; a battery discharging
    10 kW through its hybrid inverter (18 kW AC: 8 from the panels) can send 17 kW out: a
    measurement, kept, not an implausible export."""
    options = AccountingOptions(plant_capacity_kwp=5.0)
    readings = [inverter(18.0), sensor(17000.0), battery(-10000.0)]
    result = account(readings, options)
    assert result.dropped == ()
    assert isinstance(result.meters, SiteMeters)
    m = result.meters
    assert (m.production_kw, m.net_import_kw, m.battery_discharge_kw) == (8.0, -17.0, 10.0)
    assert m.consumption_kw == 1.0
    # Without the battery's 10 kW the same 17 kW could not leave: the meter is left out.
    charging = account([inverter(8.0), sensor(17000.0), battery(0.0)], options)
    assert any("export 17 kW left out" in d for d in charging.dropped)
    assert isinstance(charging.meters, SiteMeters) and charging.meters.net_import_kw is None


def test_pv_strings_that_draw_a_little_at_dusk_give_no_negative_production():
    """The strings' side gives, never takes: an mppt_power of -0.02 kW (a meter's offset at
    dusk) counts as 0, so the other inverter's 1.5 kW is the whole."""
    dusk = Reading(1, 1, {"mppt_power": -0.02, "inverter_state": 512.0}, time_ms=T)
    sunny = Reading(2, 1, {"mppt_power": 1.5, "inverter_state": 512.0}, time_ms=T)
    assert inverters_pv([dusk, sunny], AccountingLog()) == 1.5


def test_a_battery_without_a_rated_power_is_bounded_by_one_and_a_half_times_its_kwh():
    """A 10 kWh battery (its model's capacity) giving no rated power may move 15 kW: 12 kW is a
    measurement; without its capacity, 10 kW is the most believed."""
    log = AccountingLog()
    found = battery_of([battery(-12000.0)], AccountingOptions(), log, capacities={39: 10.0})
    assert isinstance(found, Battery) and found.charge_kw == -12.0
    unknown = battery_of([battery(-12000.0)], AccountingOptions(), AccountingLog())
    assert isinstance(unknown, NoSiteMeters)


# --- a battery's bound: its rated power (W, or kW below 100), else 1.5 x kWh or the site ------
def bat(kw_: float, **rated: float) -> tuple[Reading, float]:
    return Reading(39, 39, {"ch_discharge_power": kw_ * 1000, **rated}, time_ms=T), kw_


@pytest.mark.parametrize(
    ("rated", "most_kw"),
    [
        ({"max_charge_power": 5000.0}, 7.6),  # 1.5 x 5000 W + 100 W
        ({"max_discharge_power": 5000.0}, 7.6),  # either rating counts
        ({"max_charge_power": 3000.0, "max_discharge_power": 5000.0}, 7.6),  # the larger
        ({"max_charge_power": 5.0}, 7.6),  # 5 is 5 kW: no battery is rated below 100 W
        ({"max_charge_power": 99.0}, 148.6),  # 99 kW
        ({"max_charge_power": 100.0}, 0.25),  # 100 W: read as W
    ],
)
def test_a_battery_is_bounded_by_one_and_a_half_times_its_rating_plus_100_w(rated, most_kw):
    for sign in (1, -1):  # charging or discharging
        assert power_problem(*bat(sign * most_kw, **rated)) is None
        assert power_problem(*bat(sign * (most_kw + 0.01), **rated)) is not None


def test_without_a_rating_the_limit_given_bounds_it_in_both_directions():
    assert power_problem(*bat(12.0), limit_kw=12.0) is None
    assert power_problem(*bat(12.01), limit_kw=12.0) is not None
    assert power_problem(*bat(-12.01), limit_kw=12.0) is not None
    assert power_problem(*bat(500.0)) is None  # no rating, no limit: only any device's bound


@pytest.mark.parametrize(
    ("capacity", "site", "limit"),
    [
        (None, None, 10.0),  # at least 10 kW
        (10.0, None, 15.0),  # 1.5 x kWh
        (None, 5.0, 15.0),  # 2 x kWp + 5 kW, as for export
        (20.0, 5.0, 30.0),  # the larger
        (4.0, 2.0, 10.0),
    ],
)
def test_a_battery_without_a_rating_may_move_the_most_its_kwh_or_the_site_allows(
    capacity, site, limit
):
    assert battery_limit_kw(capacity, site) == limit


def test_a_server_time_a_day_either_side_of_the_runs_clock():
    now = T / 1000
    assert time_problem(T, now + 86400) is None and time_problem(T, now - 86400) is None
    assert time_problem(T, now + 86401) is not None and time_problem(T, now - 86401) is not None
