"""Right numbers in every home, through the real handler against the emulator: a battery
behind a hybrid inverter that is not read, one-off 20013s, a partial device list, an
unbalanced home. Each case once pushed a wrong number, or lost good readings, with no error."""

import json
from typing import Any

from fusioncharge.errors import ReadingsIncomplete
from tests.support.run_checks import LogCapture
from tools.local.site import Site, worked_example_scenario


def hybrid(mppt_power: float | None) -> dict[str, Any]:
    """The worked example (inverter 2.4 kW AC, battery discharging 1.5 kW, importing 0.8 kW)
    with the inverter's PV side given."""
    scenario = worked_example_scenario()
    inverter = scenario["kpis"]["38"][0]["dataItemMap"]
    if mppt_power is not None:
        inverter["mppt_power"] = mppt_power
    return scenario


def meters(run) -> dict[str, float]:
    assert run.error is None, run.error
    return run.last_body["siteMeters"]


def test_without_battery_data_production_is_the_pv_side_never_the_battery():
    """README's advice for a battery that sends nothing, USE_BATTERY_DATA=false, once pushed
    the 2.4 kW AC output (1.5 kW of it the battery's) as solar production."""
    with Site(hybrid(0.9), settings={"USE_BATTERY_DATA": "false"}) as site:
        pushed = meters(site.run())
    assert pushed["production_kw"] == 0.9 and "battery_discharge_kw" not in pushed
    with Site(hybrid(None), settings={"USE_BATTERY_DATA": "false"}) as site:
        run = site.run()
    assert isinstance(run.error, ReadingsIncomplete) and "mppt_power" in str(run.error)
    assert "error" in run.last_body


def test_a_battery_once_remembered_as_unserved_is_read_not_taken_for_solar():
    """One 20013 for the battery type used to keep it unread for a day: production was then the
    inverter's AC output, the battery's 1.5 kW of discharge pushed as solar."""
    with Site(hybrid(0.9)) as site:
        site.run()
        state = json.loads(site.state_text() or "{}")
        site.put_state_text(json.dumps({**state, "unserved_types": [39]}))  # as kept before
        pushed = meters(site.next_run())
    assert (pushed["production_kw"], pushed["battery_discharge_kw"]) == (0.9, 1.5)


def test_one_20013_for_the_inverter_and_the_battery_is_one_error():
    with Site(hybrid(0.9)) as site:
        assert meters(site.run())["production_kw"] == 0.9  # 2.4 - 1.5
        site.emulator.fault_next("getDevRealKpi", "fail_code", 20013)  # 38 ...
        site.emulator.fault_next("getDevRealKpi", "fail_code", 20013)  # ... and 39
        failed = site.next_run()
        after = site.next_run()
    assert isinstance(failed.error, ReadingsIncomplete)  # never 2.4 kW of "solar"
    assert meters(after)["production_kw"] == 0.9  # asked again at once


def test_one_20013_for_the_inverter_fails_one_run_only():
    with Site(hybrid(0.9)) as site:
        site.run()
        site.emulator.fault_next("getDevRealKpi", "fail_code", 20013)
        failed = site.next_run()
        runs = [site.next_run() for _ in range(3)]
    assert isinstance(failed.error, ReadingsIncomplete)
    assert all(r.error is None for r in runs), [r.error for r in runs]


def test_a_device_list_without_the_inverter_is_not_believed_at_once():
    """One partial list once made every run fail for its 6 hours (72 runs)."""
    with Site(hybrid(0.9)) as site:
        site.run()
        site.clock.advance(6 * 3600)
        site.emulator.leave_out_of_next_device_list(38)
        runs = [site.next_run() for _ in range(3)]
    assert all(r.error is None for r in runs), [r.error for r in runs]
    assert runs[0].calls_to("getDevList") == 1


def test_an_ev_charging_on_another_phase_keeps_the_grid_reading():
    """The power sensor's meter_u/meter_i are one phase; an EV draws 7.4 kW on another."""
    scenario = hybrid(0.0)
    sensor = scenario["kpis"]["47"][0]["dataItemMap"]
    sensor.update({"active_power": -7400, "meter_u": 230.1, "meter_i": 1.2})
    with Site(scenario) as site:
        pushed = meters(site.run())
    assert pushed["net_import_kw"] == 7.4


def test_a_clamp_mounted_backwards_is_named_after_three_runs_of_negative_consumption():
    """Power and counters reversed together: the direction self-check sees them agree, and
    ChargeHQ got negative consumption 54 times a day without a word."""
    scenario = hybrid(0.0)
    scenario["kpis"]["38"][0]["dataItemMap"].update({"active_power": 0.0, "mppt_power": 0.0})
    scenario["kpis"]["39"][0]["dataItemMap"]["ch_discharge_power"] = 0
    scenario["kpis"]["47"][0]["dataItemMap"]["active_power"] = 1200  # importing, read as export
    with Site(scenario) as site:
        runs = [site.run()] + [site.next_run() for _ in range(3)]
    assert [meters(r)["consumption_kw"] for r in runs] == [-1.2] * 4
    assert [r.result.meter_direction_suspect for r in runs] == [False, False, True, True]


def test_a_plant_list_capacity_10_times_too_low_never_stops_a_sunny_day():
    """The plant list still says 1.2 kWp after an extension to 12, and getDevList's invType is
    null (as in most real replies): every run above 2.8 kW pushed `error` all day."""
    scenario = hybrid(None)
    scenario["stations"][0]["capacity"] = 1.2
    scenario["kpis"]["38"][0]["dataItemMap"]["active_power"] = 11.5
    scenario["kpis"]["39"][0]["dataItemMap"]["ch_discharge_power"] = 0
    with Site(scenario) as site, LogCapture(site.app, debug=False) as logs:
        runs = [site.run(), site.next_run()]
        text = logs.text
    assert [meters(r)["production_kw"] for r in runs] == [11.5, 11.5]
    assert text.count("the plant list's capacity 1.2 kWp looks out of date") == 1
