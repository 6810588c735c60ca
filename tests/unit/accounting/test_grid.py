"""The site's grid meter (accounting/grid.py, meters.py): several plants' meters as one, what
is noted and dropped on the way, and a grid meter's unit told from its own V·I."""

import pytest

from fusioncharge.accounting.meters import (
    METER_BY_TYPE,
    METER_TYPES,
    apparent_power_va,
    decide_unit,
    export_kw,
    power_factor,
)
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    MeterSample,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
)
from fusioncharge.models import Device, Reading
from tests.support import ROOT
from tests.support.readings import T, inverter, sensor


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
        (grid(-2.3, a_u=230.0, a_i=10.0), "kW"),  # exporting: the size decides, not the sign
        (grid(-2300.0, a_u=230.0, a_i=10.0), "W"),
        (grid(0.1, a_u=100.0, a_i=1.0), "kW"),  # 100 VA: just enough to tell
        (grid(0.15, a_u=150.0, a_i=1.0), "kW"),
        (grid(0.1, a_u=99.0, a_i=1.0), "W"),  # too little V·I to tell: W, today's unit
        (grid(10.0, a_u=230.0, a_i=10.0, power_factor=0.1), "W"),  # 230 W expected at pf 0.1
        (grid(1.0, a_u=230.0), "W"),  # a current unknown: nothing to tell from
        # A single meter_u/meter_i is one phase of an unknown whole: it alone decides nothing.
        (grid(0.5, meter_u=230.0, meter_i=1.0), "W"),
        (grid(0.5, a_u=230.0, a_i=1.0, b_u=230.0, b_i=1.0, c_u=230.0, c_i=1.0), "kW"),  # 690 VA
    ],
)
def test_a_grid_meters_unit_is_the_one_its_own_va_agrees_with(reading, unit):
    assert decide_unit(reading, GRID, "auto")[0] == unit


def test_a_forced_unit_wins():
    assert decide_unit(grid(2300.0, a_u=230.0, a_i=10.0), GRID, "kW")[0] == "kW"
    assert decide_unit(grid(2.3, a_u=230.0, a_i=10.0), GRID, "W")[0] == "W"


def test_apparent_power_is_the_sum_over_phases_and_needs_every_current():
    assert apparent_power_va(grid(0.0, meter_u=230.0, meter_i=2.0)) is None  # one phase of ?
    assert apparent_power_va(grid(0.0, a_u=230.0, a_i=-2.0, b_u=230.0, b_i=1.0)) == 690.0
    assert apparent_power_va(grid(0.0, a_u=230.0)) is None
    assert apparent_power_va(grid(0.0, a_u=230.0, a_i=1.0, b_u=230.0)) is None


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


def test_of_two_plants_one_without_an_inverter_reading_gives_no_site_meters():
    readings, plants = two_plants()
    result = account([r for r in readings if r.device_id != 2], AccountingOptions(), plants=plants)
    assert isinstance(result.meters, NoSiteMeters)
    assert "no inverter reading for plant" in result.meters.reason


# --- a counter may grow by at most 1000 kW times the hours since the last run, + 1 kWh ---------
@pytest.mark.parametrize(("hours", "kept"), [(2, 3000.0), (1, None)])
def test_a_counter_grows_at_most_what_1000_kw_give_in_the_hours_since_the_last_run(hours, kept):
    previous = MeterSample(47, 47, 0.3, 999.0, 322.32, T - hours * 3_600_000)
    readings = [inverter(1.0), sensor(-300.0, reverse=3000.0)]
    result = account(readings, AccountingOptions(), previous=previous)
    assert isinstance(result.meters, SiteMeters)
    assert result.meters.imported_kwh == kept  # 2001 kWh in 2 hours is the most, not in 1
    assert result.meters.exported_kwh == 322.32


def test_without_the_last_runs_time_a_counters_growth_is_not_bounded():
    previous = MeterSample(47, 47, 0.3, 999.0, 322.32, None)
    readings = [inverter(1.0), sensor(-300.0, reverse=3000.0)]
    result = account(readings, AccountingOptions(), previous=previous)
    assert isinstance(result.meters, SiteMeters) and result.meters.imported_kwh == 3000.0


def test_a_meter_at_exactly_zero_is_read_in_w_the_unit_of_todays_service():
    """0 W and 0 kW are the same power: W and kW agree with V·I equally (the one exact tie).
    The unit told in the run's note is then W, the unit of today's service, never a kW that
    no reading showed."""
    assert decide_unit(grid(0.0, a_u=230.0, a_i=2.0), GRID, "auto")[0] == "W"
    assert decide_unit(grid(-0.0, a_u=230.0, a_i=2.0, power_factor=0.0), GRID, "auto")[0] == "W"


# --- the meter table is the one docs/accounting.md shows -------------------------------------
def doc_rows(heading: str) -> list[list[str]]:
    """The rows of the first table after `heading` in docs/accounting.md, cells stripped."""
    text = (ROOT / "docs/accounting.md").read_text(encoding="utf-8").split(heading, 1)[1]
    rows = [line for line in text.splitlines() if line.strip().startswith("|")]
    table = []
    for line in rows[2:]:
        if not table and not line.strip():
            continue
        table.append([cell.strip().strip("`") for cell in line.strip().strip("|").split("|")])
    return table


def test_the_meters_order_names_and_settings_are_the_documented_ones():
    documented = doc_rows("**The meter**")[:3]
    assert [(t.type_id, t.setting) for t in METER_TYPES] == [
        (int(type_.split()[0]), setting) for _, type_, setting in documented
    ]
    for meter, (_, type_, _) in zip(METER_TYPES, documented, strict=True):
        assert type_.split(" ", 1)[1].startswith(meter.name)


def test_each_meter_is_read_as_documented():
    documented = doc_rows("## How each meter type is read")[:3]
    for meter, (_, unit, plus, imported, exported) in zip(METER_TYPES, documented, strict=True):
        assert meter.unit == (unit if unit in ("W", "kW") else "auto")
        assert meter.plus_is_import is (plus == "import")
        assert (meter.import_counter, meter.export_counter) == (imported, exported)
