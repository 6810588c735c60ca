"""docs/evcc.md, the evcc recipe, against the Home Assistant package it names: every entity id
exists, units are ones evcc converts, energies are lifetime totals, and the signs the page
claims are the ones the sensors get from real readings and the ones evcc expects."""

import pytest

from fusioncharge.accounting.site_meters import AccountingOptions, SiteMeters, compute_site_meters
from fusioncharge.models import Reading
from fusioncharge.sinks.hass import hass_body
from tests.support.hass_package import (
    evcc_claims,
    evcc_recipe,
    package_sensors,
    recipe_entities,
)

T = 1_788_364_500_000
# evcc's conventions (its core/site.go: "negative values mean grid: export, battery: charging";
# a negative pv power is warned about): power is positive into the home.
EVCC_SIGNS = {
    "grid": ("import", "export"),
    "pv": ("production", "(never)"),
    "battery": ("discharging", "charging"),
}
# Units evcc's homeassistant meter converts by the entity's unit (0.300.4 and later).
EVCC_POWER_UNITS = {"W", "kW"}
EVCC_ENERGY_UNITS = {"Wh", "kWh", "MWh"}
# A row of the page's table -> (the meter's usage, its key in the recipe)
ROW_KEYS = {
    "grid": ("grid", "power"),
    "pv": ("pv", "power"),
    "battery": ("battery", "power"),
    "battery soc": ("battery", "soc"),
    "grid energy": ("grid", "energy"),
    "grid return energy": ("grid", "returnEnergy"),
}


def _meter(usage: str) -> dict[str, str]:
    (meter,) = [m for m in evcc_recipe()["meters"] if m["usage"] == usage]
    return meter


def _site_meters(inverter_kw: float, battery_w: float, meter_w: float) -> SiteMeters:
    """Through the real accounting, in Huawei's own signs: battery `ch_discharge_power` + =
    charging, meter `active_power` + = export."""
    readings = [
        Reading(1, 1, {"active_power": inverter_kw, "inverter_state": 512.0}, time_ms=T),
        Reading(39, 39, {"ch_discharge_power": battery_w, "battery_soc": 60.0}, time_ms=T),
        Reading(47, 47, {"active_power": meter_w, "meter_status": 1.0}, time_ms=T),
    ]
    result = compute_site_meters(readings, AccountingOptions())
    assert isinstance(result, SiteMeters), result
    return result


def test_every_entity_the_recipe_names_is_a_sensor_of_the_package():
    named = recipe_entities(evcc_recipe())
    assert named, "the recipe names no entity"
    assert named <= set(package_sensors()), named - set(package_sensors())


def test_the_recipe_has_a_grid_pv_and_battery_meter_of_the_homeassistant_template():
    recipe = evcc_recipe()
    meters = recipe["meters"]
    assert sorted(m["usage"] for m in meters) == ["battery", "grid", "pv"]
    assert all(m["type"] == "template" and m["template"] == "homeassistant" for m in meters)
    site = recipe["site"]["meters"]
    names = {m["usage"]: m["name"] for m in meters}
    assert site == {"grid": names["grid"], "pv": [names["pv"]], "battery": [names["battery"]]}


@pytest.mark.parametrize("claim", evcc_claims(), ids=lambda c: c["usage"])
def test_the_table_says_what_the_recipe_and_the_package_hold(claim):
    usage, key = ROW_KEYS[claim["usage"]]
    assert _meter(usage)[key] == claim["entity"]
    sensor = package_sensors()[claim["entity"]]
    assert sensor.unit == claim["unit"]
    if key == "power":
        assert sensor.device_class == "power" and sensor.unit in EVCC_POWER_UNITS
        assert (claim["positive means"], claim["negative means"]) == EVCC_SIGNS[usage]
    elif key == "soc":
        assert sensor.device_class == "battery" and sensor.unit == "%"
    else:  # evcc wants a lifetime total, never a counter that restarts daily
        assert sensor.device_class == "energy" and sensor.unit in EVCC_ENERGY_UNITS
        assert sensor.state_class == "total_increasing"
        assert sensor.field is not None and "today" not in sensor.field


def test_every_power_and_energy_in_the_recipe_is_in_the_table():
    claimed = {c["entity"] for c in evcc_claims()}
    assert recipe_entities(evcc_recipe()) == claimed


def test_the_power_sensors_have_evccs_signs_from_real_readings():
    """Sunny: 5 kW produced, 1.5 kW into the battery, 2 kW exported; night: 1.2 kW from the
    battery, 0.5 kW imported. The body field each recipe sensor shows must carry evcc's sign."""
    field = {usage: package_sensors()[_meter(usage)["power"]].field for usage in EVCC_SIGNS}
    sunny = hass_body(_site_meters(5.0, 1500.0, 2000.0), sent_ms=T)
    night = hass_body(_site_meters(0.0, -1200.0, -500.0), sent_ms=T)
    assert sunny[field["pv"]] > 0 and night[field["pv"]] == 0
    assert sunny[field["grid"]] < 0 < night[field["grid"]]  # export -, import +
    assert sunny[field["battery"]] < 0 < night[field["battery"]]  # charging -, discharging +
