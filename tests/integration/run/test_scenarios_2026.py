"""`make run SCENARIO=...` on the homes of 2026 (and a home of two plants) gives the contract's site
meters.

The scenario files in emulator/scenarios/ are what a user can run too; each states what it
should give. The power-flow equation is checked exactly (in whole watts).
"""

import pytest

from tests.integration.tools.local.test_run import ROOT, last_line, make

SCENARIOS = ROOT / "emulator" / "scenarios"
GRID_METER_HOME = {
    "production_kw": 4.5,
    "net_import_kw": -2.15,
    "consumption_kw": 2.35,
    "imported_kwh": 2345.67,
    "exported_kwh": 1234.56,
}


def run(name: str) -> tuple[dict, str]:
    result = make("run", f"SCENARIO={SCENARIOS / name}")
    assert result.returncode == 0, result.stderr[-2000:]
    return last_line(result)["siteMeters"], result.stdout + result.stderr


def flow_holds(meters: dict) -> bool:
    def w(name: str) -> int:
        return round(meters.get(name, 0.0) * 1000)

    parts = w("production_kw") + w("net_import_kw") + w("battery_discharge_kw")
    return w("consumption_kw") == parts


def test_an_emma_home_gets_its_grid_data():
    meters, _ = run("emma-home.json")
    assert meters == {
        "production_kw": 4.0,
        "net_import_kw": -1.319,  # the EMMA's -1.319 kW is export (its + means import)
        "consumption_kw": 1.681,
        "imported_kwh": 5298.26,  # the EMMA's active_cap
        "exported_kwh": 912.84,
        "battery_discharge_kw": -1.0,
        "battery_soc": 0.55,
    }
    assert flow_holds(meters)


@pytest.mark.parametrize("unit", ["W", "kW"])
def test_a_grid_meter_home_in_w_or_kw(unit):
    meters, log = run(f"grid-meter-home-{unit.lower()}.json")
    assert meters == GRID_METER_HOME  # not -2150 kW, whichever unit the server uses
    assert flow_holds(meters)
    assert f"active_power read in {unit}, because" in log  # said once, at INFO


def test_an_overflow_sentinel_leaves_the_grid_fields_out():
    meters, log = run("grid-meter-sentinel.json")
    assert meters == {"production_kw": 4.5}
    assert "reading left out: grid meter 33445502 active_power -6.523e+07" in log
    assert '"ImplausibleReadings":[1.0]' in log


def test_two_plants_give_the_summed_site_meters():
    """House (hybrid inverter, power sensor) + Garage (string inverter, power sensor)."""
    meters, log = run("two-plants.json")
    assert meters == {
        "production_kw": 5.3,
        "net_import_kw": -0.9,
        "consumption_kw": 4.4,
        "imported_kwh": 3600.9,
        "exported_kwh": 2300.35,
    }
    assert flow_holds(meters)
    # login, stations, one getDevList for both plants, one getDevRealKpi per type (1, 38, 47)
    assert "1 logins, 6 FusionSolar calls" in log
