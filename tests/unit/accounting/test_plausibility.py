"""plausibility.py's bounds for a capacity the plant list alone gives (unconfirmed: as if the
plant were 10 times larger), the smallest capacity that is kWp (1 kWp: below it, MWp), and a
battery's rating however small (docs/accounting.md, plausibility.py's docstring)."""

import pytest

from fusioncharge.accounting import consumption_check, meter_direction
from fusioncharge.accounting.plausibility import (
    export_problem,
    power_problem,
    production_limit_kw,
    production_problem,
)
from fusioncharge.accounting.site_bounds import site_size
from fusioncharge.accounting.site_meters import MeterSample, NoSiteMeters, SiteMeters, account
from fusioncharge.accounting.types import AccountingLog, AccountingOptions, SitePlant
from fusioncharge.models import Device, Reading
from tests.support.readings import T


def test_a_confirmed_capacity_bounds_production_at_1_5_times_its_kwp_plus_1_kw():
    assert production_limit_kw(5.0) == 8.5
    assert production_limit_kw(5.0, confirmed=True) == 8.5


def test_an_unconfirmed_capacity_bounds_as_if_the_plant_were_10_times_larger():
    assert production_limit_kw(5.0, confirmed=False) == 76.0  # 1.5 x 50 kWp + 1 kW
    assert production_problem(76.0, 5.0, confirmed=False) is None
    problem = production_problem(76.01, 5.0, confirmed=False)
    assert problem == "far beyond the plant's capacity of 5 kWp (even were it 10 times larger)"


def test_an_unconfirmed_capacity_bounds_export_as_if_the_plant_were_10_times_larger():
    assert export_problem(105.0, 5.0, 0.0, confirmed=False) is None  # 2 x 50 kWp + 5 kW
    assert export_problem(105.01, 5.0, 0.0, confirmed=False) is not None
    assert export_problem(15.0, 5.0, 0.0) is None and export_problem(15.01, 5.0, 0.0) is not None


@pytest.mark.parametrize(("listed", "bounds"), [(1.0, True), (1.5, True), (0.999, False)])
def test_a_listed_capacity_from_1_kwp_bounds_and_below_it_is_taken_for_mwp(listed, bounds):
    size = site_size(AccountingOptions(), [SitePlant("NE=1", capacity_kwp=listed)], AccountingLog())
    assert (size is not None) == bounds
    if size is not None:
        assert (size.kw, size.confirmed) == (listed, False)


def test_any_positive_rating_bounds_a_battery_however_small():
    """0.0005 in kW is 0.5 W: the bound is 1.5 x 0.5 W + 100 W, whatever limit is given."""
    rated = {"max_charge_power": 0.0005}
    inside = Reading(39, 39, {"ch_discharge_power": 100.75, **rated}, time_ms=T)
    beyond = Reading(39, 39, {"ch_discharge_power": 200.0, **rated}, time_ms=T)
    assert power_problem(inside, 0.10075, limit_kw=50.0) is None
    assert power_problem(beyond, 0.2, limit_kw=50.0) is not None


# Relative plausibility: magnitudes measured against the plant's capacity, the time between
# runs and the run's clock, and negative consumption over runs (docs/accounting.md). Each case
# was pushed to ChargeHQ as if it were true.

MIN_MS = 60_000


def inverter(kw: float, time_ms: int = T) -> Reading:
    return Reading(1, 38, {"active_power": kw, "inverter_state": 512.0}, time_ms=time_ms)


def sensor(watts: float, imported: float = 583.08, time_ms: int = T) -> Reading:
    values = {"meter_status": 1.0, "active_power": watts, "active_cap": 322.32}
    return Reading(47, 47, {**values, "reverse_active_cap": imported}, time_ms=time_ms)


def plant(capacity: float | None = 10.0) -> list[SitePlant]:
    devices = (Device(1, "", 38, "NE=1"), Device(47, "", 47, "NE=1"))
    return [SitePlant("NE=1", devices=devices, capacity_kwp=capacity)]


def run(*readings: Reading, capacity: float | None = 10.0, **kw):
    options = AccountingOptions(**kw.pop("options", {}))
    return account(readings, options, plants=plant(capacity), **kw)


def test_production_far_beyond_the_plants_capacity_is_not_pushed():
    result = run(inverter(999.0), sensor(0.0)).meters
    assert isinstance(result, NoSiteMeters)
    assert "10 kWp" in result.reason and "PLANT_CAPACITY_KWP" in result.reason
    assert isinstance(run(inverter(16.0), sensor(0.0)).meters, SiteMeters)  # 1.5 x 10 + 1


def test_the_capacity_setting_stands_in_for_the_plant_lists():
    big = {"plant_capacity_kwp": 1000.0}
    assert isinstance(run(inverter(999.0), sensor(0.0), options=big).meters, SiteMeters)
    small = {"plant_capacity_kwp": 3.0}
    unknown = run(inverter(9.0), sensor(0.0), capacity=None, options=small).meters
    assert isinstance(unknown, NoSiteMeters)


def test_a_meter_exporting_far_beyond_the_plant_leaves_the_grid_fields_out():
    result = run(inverter(2.4), sensor(900_000.0))  # consumption would read -897.6
    assert isinstance(result.meters, SiteMeters)
    assert result.meters.net_import_kw is None and result.meters.consumption_kw is None
    assert any("export 900 kW" in d for d in result.dropped)


def test_an_import_far_above_the_plants_capacity_is_normal():
    for kw in (7.4, 22.0, 250.0):  # an EV at night, a fast charger, a commercial site
        result = run(inverter(0.0), sensor(-kw * 1000), capacity=3.0)
        assert result.meters.net_import_kw == kw, result.dropped


def test_a_counter_cannot_grow_faster_than_any_connection():
    before = MeterSample(47, 47, 0.0, 583.08, 322.32, T - 5 * MIN_MS)
    result = run(inverter(1.0), sensor(0.0, imported=9_900_000.0), previous=before)
    assert result.meters.imported_kwh is None and result.meters.exported_kwh == 322.32
    assert any("grew" in d for d in result.dropped)
    fine = run(inverter(1.0), sensor(0.0, imported=583.9), previous=before)
    assert fine.meters.imported_kwh == 583.9


def test_an_absurd_counter_is_not_the_next_runs_baseline():
    good = MeterSample(47, 47, 0.0, 583.08, 322.32, T - 5 * MIN_MS)
    watch, _ = meter_direction.check(None, good)
    for n in range(1, 4):  # the absurd counter stays: still compared with the last good one
        previous = meter_direction.previous(watch)
        now = T + n * 5 * MIN_MS
        result = run(inverter(1.0, now), sensor(0.0, 9_900_000.0, now), previous=previous)
        assert result.meters.imported_kwh is None, n
        watch, _ = meter_direction.check(watch, result.meter)


def test_a_server_time_far_from_the_runs_clock_is_left_out():
    year_5138 = 99_999_999_999_999
    result = run(inverter(1.0, year_5138), sensor(0.0), now=T / 1000)
    assert result.meters.tsms is None
    assert any("time" in d for d in result.dropped)
    assert run(inverter(1.0), sensor(0.0), now=T / 1000 + 600).meters.tsms == T


def test_negative_consumption_for_three_runs_warns_naming_the_clamp():
    """A clamp mounted backwards reverses power and counters together: the direction check
    sees them agree, but the home's consumption goes negative whenever it imports."""
    reversed_clamp = run(inverter(0.0), sensor(+1200.0)).meters  # importing 1.2 kW at night
    assert isinstance(reversed_clamp, SiteMeters) and reversed_clamp.consumption_kw == -1.2
    runs, warnings = None, []
    for _ in range(4):
        runs, warning = consumption_check.check(runs, reversed_clamp)
        warnings.append(warning)
    assert warnings[:2] == [None, None]
    assert all(w and "clamp mounted backwards" in w for w in warnings[2:])
    assert "METER_EXPORT_POSITIVE" in (warnings[2] or "")
    fine = run(inverter(0.0), sensor(-1200.0)).meters
    assert consumption_check.check(runs, fine) == (None, None)
    assert consumption_check.check(2, NoSiteMeters("x")) == (2, None)  # no reading: kept
