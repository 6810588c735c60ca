"""Bounds that neither fail open nor shut (issue 26): the site's size from its inverters' own
rated power (their models), the plant list's capacity named when it is missing, 0, in MWp or
lagging, and a battery bounded also without a rated power (docs/accounting.md)."""

import json
from pathlib import Path

import pytest

from fusioncharge.accounting.plausibility import power_problem
from fusioncharge.accounting.site_bounds import site_size
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
)
from fusioncharge.accounting.types import AccountingLog
from fusioncharge.fusionsolar import parse
from fusioncharge.fusionsolar.device_models import battery_capacity_kwh, inverter_rated_kw
from fusioncharge.models import CounterSample, Device, EnergyWatch, Reading

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fusionsolar-responses"
T = 1_700_000_000_000


@pytest.mark.parametrize(
    ("model", "kw"),
    [
        ("SUN2000-5KTL-L1", 5.0),
        ("SUN2000-4.6KTL-L1", 4.6),
        ("SUN2000-6KTL-L1", 6.0),
        ("SUN2000-10KTL-M1", 10.0),
        ("SUN2000-17KTL", 17.0),  # Huawei's own getDevList example
        ("SUN2000-10K-MAP0", 10.0),
        ("SUN2000-330KTL-H1", 330.0),
        ("sun2000-8ktl-m1", 8.0),
        ("LUNA2000-10-S0", None),  # a battery: kWh, not kW
        ("SUN2000", None),
        (None, None),  # as most real getDevList replies send it
        (5, None),
    ],
)
def test_an_inverters_model_names_its_rated_power(model, kw):
    assert inverter_rated_kw(model) == kw
    assert battery_capacity_kwh(model) is None or model == "LUNA2000-10-S0"


def test_the_real_device_list_gives_its_inverter_a_rated_power():
    reply = json.loads((FIXTURES / "getDevList.json").read_text(encoding="utf-8"))
    devices = parse.devices(reply["data"])
    inverters = [d for d in devices if d.type_id in (1, 38)]
    assert [d.rated_kw for d in inverters] == [10.0]  # SUN2000-10KTL-M1
    assert all(d.rated_kw is None for d in devices if d not in inverters)


def inverter(kw: float, **counters: float) -> Reading:
    values = {"active_power": kw, "inverter_state": 512.0, **counters}
    return Reading(1, 38, values, time_ms=T)


def sensor(watts: float) -> Reading:
    values = {"meter_status": 1.0, "active_power": watts, "active_cap": 1.0}
    return Reading(47, 47, {**values, "reverse_active_cap": 2.0}, time_ms=T)


def home(capacity_kwp: float | None, rated_kw: float | None, *battery: Device) -> SitePlant:
    devices = (Device(1, "", 38, "NE=1", rated_kw=rated_kw), Device(47, "", 47, "NE=1"))
    return SitePlant("NE=1", devices=(*devices, *battery), capacity_kwp=capacity_kwp)


@pytest.mark.parametrize("capacity", [None, 0.15])  # missing or 0 (parse: None), in MWp
def test_a_capacity_missing_or_in_mwp_still_bounds_production_by_the_inverter(capacity):
    result = account(
        [inverter(150.0), sensor(0.0)], AccountingOptions(), plants=[home(capacity, 5.0)]
    )
    assert isinstance(result.meters, NoSiteMeters), result.meters  # was: 150 kW pushed
    assert [key for key, _ in result.cautions] == [
        f"capacity {'missing or 0' if capacity is None else '0.15 kWp'}"
    ]
    sunny = account([inverter(5.4), sensor(0.0)], AccountingOptions(), plants=[home(capacity, 5.0)])
    assert isinstance(sunny.meters, SiteMeters) and sunny.meters.production_kw == 5.4


def test_a_lagging_capacity_is_named_and_never_stops_a_sunny_day():
    """The plant list says 0.6 kWp for a 6 kW inverter (10x too low, or not updated after an
    extension): every push above 1.9 kW was refused all day."""
    result = account([inverter(5.8), sensor(2000.0)], AccountingOptions(), plants=[home(0.6, 6.0)])
    assert isinstance(result.meters, SiteMeters), result.meters
    assert result.meters.production_kw == 5.8 and result.meters.net_import_kw == -2.0
    (caution,) = result.cautions
    assert "0.6 kWp" in caution[1] and "6 kW" in caution[1]
    agreeing = account([inverter(5.8)], AccountingOptions(), plants=[home(6.6, 6.0)])
    assert agreeing.cautions == ()


def test_without_any_size_production_is_named_unbounded_once():
    result = account([inverter(5.0)], AccountingOptions(), plants=[home(None, None)])
    assert isinstance(result.meters, SiteMeters)
    assert [key for key, _ in result.cautions] == ["size unknown"]


# --- the plant list's capacity alone: unconfirmed, bounds loosely, named -------------------
def test_a_capacity_in_mwp_without_a_model_never_stops_a_sunny_day():
    """0.005 for a 5 kWp home (the plant list in MWp), getDevList's invType null: every push
    above 1 kW was refused all day."""
    result = account([inverter(4.2), sensor(0.0)], AccountingOptions(), plants=[home(0.005, None)])
    assert isinstance(result.meters, SiteMeters), result.meters
    assert result.meters.production_kw == 4.2
    ((key, caution),) = result.cautions
    assert key == "capacity 0.005 kWp" and "PLANT_CAPACITY_KWP" in caution


def test_a_capacity_10_times_too_low_without_a_model_is_pushed_and_named_once():
    """1 kWp listed for a 10 kW plant (an extension never entered): production and export far
    above its tight bound (1.5 x 1 + 1, 2 x 1 + 5 kW) are real, pushed, the capacity named."""
    result = account([inverter(9.5), sensor(8000.0)], AccountingOptions(), plants=[home(1.0, None)])
    assert isinstance(result.meters, SiteMeters), result.meters
    assert (result.meters.production_kw, result.meters.net_import_kw) == (9.5, -8.0)
    assert result.dropped == ()
    ((key, caution),) = result.cautions  # production and export past it: named once
    assert key == "capacity 1 kWp out of date"
    assert caution == (
        "the plant list's capacity 1 kWp looks out of date: production reached 9.5 kW; set "
        "PLANT_CAPACITY_KWP or fix it in FusionSolar"
    )
    within = account([inverter(2.4), sensor(0.0)], AccountingOptions(), plants=[home(1.0, None)])
    assert within.cautions == ()


@pytest.mark.parametrize("capacity", [0.005, 1.0, 5.0])
@pytest.mark.parametrize("garbage", [65_535.0, 4200.0])  # a 16-bit sentinel, 4.2 kW as W
def test_garbage_is_still_refused_whatever_the_plant_lists_capacity(capacity, garbage):
    result = account(
        [inverter(garbage), sensor(0.0)], AccountingOptions(), plants=[home(capacity, None)]
    )
    assert isinstance(result.meters, NoSiteMeters), result.meters
    assert any(f"{garbage:g} kW" in d for d in result.dropped)


def test_a_loose_bound_still_refuses_what_even_a_10_times_larger_plant_cannot_give():
    result = account([inverter(80.0), sensor(0.0)], AccountingOptions(), plants=[home(5.0, None)])
    assert isinstance(result.meters, NoSiteMeters)  # 80 W sent as kW: beyond 1.5 x 50 + 1
    assert "5 kWp" in result.meters.reason and "10 times larger" in result.meters.reason
    exporting = account(
        [inverter(4.0), sensor(900_000.0)], AccountingOptions(), plants=[home(5.0, None)]
    )
    assert isinstance(exporting.meters, SiteMeters) and exporting.meters.net_import_kw is None


@pytest.mark.parametrize("rated", [None, 5.0])
def test_energy_counters_with_a_capacity_in_mwp_keep_todays_solar(rated):
    """The counters' growth bound reads the same site size: 0.005 kWp let them grow 0.13 kWh in
    5 minutes and count 25 kWh a day, so a sunny day's yield was left out as too fast."""
    minute = T // 60_000
    before = EnergyWatch(inverter_day=CounterSample(29.6, minute - 5))
    result = account(
        [inverter(4.2, day_cap=30.0), sensor(0.0)],
        AccountingOptions(),
        plants=[home(0.005, rated)],
        energy_before=before,
    )
    assert isinstance(result.meters, SiteMeters), result.meters
    assert result.meters.production_today_kwh == 30.0, result.dropped
    assert result.dropped == ()


def battery(watts: float, **values: float) -> Reading:
    items = {"ch_discharge_power": watts, "battery_status": 2.0, "battery_soc": 50.0, **values}
    return Reading(39, 39, items, time_ms=T)


def test_a_900_kw_battery_without_a_rated_power_is_not_pushed():
    luna = Device(39, "", 39, "NE=1", capacity_kwh=10.0)
    plants = [home(6.0, 5.0, luna)]
    result = account(
        [inverter(1.0), battery(-900_000.0), sensor(0.0)], AccountingOptions(), plants=plants
    )
    assert isinstance(result.meters, NoSiteMeters), result.meters  # was: consumption 900.8 kW
    assert any("no rated power" in d for d in result.dropped)
    real = account(
        [inverter(1.0), battery(-5000.0), sensor(0.0)], AccountingOptions(), plants=plants
    )
    assert isinstance(real.meters, SiteMeters) and real.meters.battery_discharge_kw == 5.0
    # Nothing known of the site at all: a home battery's bound still holds.
    bare = [SitePlant("NE=1", devices=(Device(1, "", 38, "NE=1"), Device(39, "", 39, "NE=1")))]
    unknown = account([inverter(1.0), battery(-900_000.0)], AccountingOptions(), plants=bare)
    assert isinstance(unknown.meters, NoSiteMeters)


def test_a_battery_whose_firmware_gives_its_maximum_in_kw_is_judged_right():
    charging = battery(2500.0, max_charge_power=5.0, max_discharge_power=5.0)
    assert power_problem(charging, 2.5) is None  # was: "far beyond the battery's rated 5 W"
    result = account([inverter(4.0), charging], AccountingOptions())
    assert isinstance(result.meters, SiteMeters) and result.meters.battery_discharge_kw == -2.5
    assert power_problem(battery(9000.0, max_charge_power=5.0), 9.0) is not None  # 7.6 kW


# --- site_bounds.site_size and the readings' time, with the numbers written out ---------------
@pytest.mark.parametrize(
    ("listed", "named"),
    [(5.0, False), (4.9, True), (10.0, False), (12.0, False)],  # against a 10 kW inverter
)
def test_a_plant_list_capacity_under_half_the_inverters_is_named(listed, named):
    log = AccountingLog()
    assert site_size(AccountingOptions(), [home(listed, 10.0)], log).kw == 10.0
    assert [key for key, _ in log.cautions] == ([f"capacity {listed:g} kWp"] if named else [])


@pytest.mark.parametrize(("setting", "size"), [(8.0, 8.0), (3.0, 5.0), (None, 5.0)])
def test_the_setting_sizes_the_site_when_larger_than_its_inverters(setting, size):
    """PLANT_CAPACITY_KWP is the user's word for a site larger than its inverters (DC
    oversizing, a second inverter FusionSolar does not list): the larger of the two bounds."""
    log = AccountingLog()
    options = AccountingOptions(plant_capacity_kwp=setting)
    assert site_size(options, [home(5.0, 5.0)], log).kw == size
    assert log.cautions == []


def test_readings_a_day_away_from_the_runs_clock_are_sent_without_their_time():
    now = T / 1000
    result = account([inverter(2.0), sensor(0.0)], AccountingOptions(), now=now)
    assert isinstance(result.meters, SiteMeters) and result.meters.tsms == T
    later = now + 2 * 86400
    result = account([inverter(2.0), sensor(0.0)], AccountingOptions(), now=later)
    assert isinstance(result.meters, SiteMeters) and result.meters.tsms is None
    assert result.dropped == (
        f"the readings' time {T} ms left out: more than a day away from this run's clock",
    )
