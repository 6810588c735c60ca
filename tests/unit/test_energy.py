"""Today's energies from Huawei's counters (docs/accounting.md, "Energy"), on real replies: the
public capture's daily identity, an AC-coupled battery, two inverters. Each reply goes through
the parser as it came, with only the counters under test set."""

import copy
import json
import re
from pathlib import Path

import pytest

from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    SiteEnergy,
    SiteMeters,
    SitePlant,
    account,
)
from fusioncharge.fusionsolar import parse
from fusioncharge.models import Device, Reading

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "accounting.md"
T = 1_788_364_500_000  # 2026-09-02 16:35 UTC


def reply(name: str) -> dict:
    return json.loads((FIXTURES / "fusionsolar-responses" / name).read_text())


def capture_const(name: str, const: str) -> dict:
    """A JavaScript object literal of numbers, as the public capture holds it."""
    text = (FIXTURES / "public-captures" / name).read_text(encoding="utf-8")
    found = re.search(rf"const {const}\s*=\s*(\{{.*?\}});", text, re.S)
    assert found, const
    body = re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', found.group(1))
    return json.loads(re.sub(r",\s*}", "}", body))


def identity_numbers() -> tuple[dict, float, float]:
    """The capture's inverter map, and the battery's counters its comment states."""
    name = "getDevRealKpi-hybrid38-daily-identity-homey.js.txt"
    text = (FIXTURES / "public-captures" / name).read_text(encoding="utf-8")
    found = re.search(r"charge_cap ([\d.]+) − discharge_cap ([\d.]+)", text)
    assert found
    return capture_const(name, "INVERTER"), float(found.group(1)), float(found.group(2))


def readings_of(envelope: dict, type_id: int, dev_id: int, **values: object) -> list[Reading]:
    """A real reply with this device id, time and counters."""
    envelope = copy.deepcopy(envelope)
    item = envelope["data"][0]
    item["devId"] = dev_id
    item["dataItemMap"].update(values)
    envelope["params"]["currentTime"] = T
    return parse.readings(envelope, type_id)


def hybrid_reply(inverter_map: dict) -> dict:
    envelope = reply("getDevRealKpi-1-string-inverter.json")
    envelope["data"][0]["dataItemMap"] = {"inverter_state": 512.0, **inverter_map}
    return envelope


def energy_of(readings, **options) -> SiteEnergy:
    result = account(readings, AccountingOptions(**options)).meters
    assert isinstance(result, SiteMeters), result
    return result.energy


def battery(dev_id=2, **values) -> list[Reading]:
    return readings_of(reply("getDevRealKpi-39-battery.json"), 39, dev_id, **values)


def test_the_captures_daily_identity():
    """A hybrid with a DC-coupled LUNA2000: the inverter's yield lacks what the panels put into
    the battery and holds what the battery gave back."""
    inverter_map, charged, discharged = identity_numbers()
    readings = readings_of(hybrid_reply(inverter_map), 38, 1)
    readings += battery(charge_cap=charged, discharge_cap=discharged)
    energy = energy_of(readings)
    assert energy.production_today_kwh == 33.38  # the station's own PV figure: 33.37
    assert energy.battery_charged_today_kwh == 13.12
    assert energy.battery_discharged_today_kwh == 4.53
    assert energy.production_total_kwh is None  # total_cap holds the battery's discharge


def test_the_worked_example_in_the_docs_is_what_the_accounting_gives():
    section = DOCS.read_text(encoding="utf-8").split("## Energy worked example", 1)[1]
    numbers = re.search(
        r"production_today_kwh\s+= ([\d.]+) \+ ([\d.]+) - ([\d.]+) = ([\d.]+)", section
    )
    assert numbers, "the worked example's production line"
    day, charged, discharged, production = map(float, numbers.groups())
    readings = readings_of(hybrid_reply({"active_power": 6.738, "day_cap": day}), 38, 1)
    readings += battery(charge_cap=charged, discharge_cap=discharged)
    assert energy_of(readings).production_today_kwh == production


def test_an_ac_coupled_battery_is_not_taken_out_of_the_inverters_yield():
    """A string inverter's own reply (olibos' capture shape) beside a battery on the AC side."""
    inverter = readings_of(reply("getDevRealKpi-1-string-inverter.json"), 1, 1)
    readings = inverter + battery(charge_cap=0.24, discharge_cap=0.14)
    energy = energy_of(readings, battery_coupling="ac")
    assert energy == SiteEnergy(
        production_today_kwh=1.48,
        production_total_kwh=inverter[0].get("total_cap"),
        battery_charged_today_kwh=0.24,
        battery_discharged_today_kwh=0.14,
    )


def test_two_inverters_add_up_and_one_unknown_leaves_the_sum_out():
    envelope = reply("getDevRealKpi-1-string-inverter.json")
    first = readings_of(envelope, 1, 1, day_cap=1.48, total_cap=6925.39)
    second = readings_of(envelope, 1, 2, day_cap=0.93, total_cap=1000.0)
    energy = energy_of(first + second)
    assert energy.production_today_kwh == 2.41
    assert energy.production_total_kwh == 7925.39
    unknown = readings_of(envelope, 1, 2, day_cap="N/A", total_cap=1000.0)
    assert energy_of(first + unknown).production_today_kwh is None  # never half the site


def test_several_plants_add_up():
    envelope = reply("getDevRealKpi-1-string-inverter.json")
    readings = readings_of(envelope, 1, 1, day_cap=1.5) + readings_of(envelope, 1, 2, day_cap=2.0)
    plants = [
        SitePlant("NE=1", devices=(Device(1, "", 1, "NE=1"),)),
        SitePlant("NE=2", devices=(Device(2, "", 1, "NE=2"),)),
    ]
    meters = account(readings, AccountingOptions(), plants=plants).meters
    assert isinstance(meters, SiteMeters) and meters.production_today_kwh == 3.5


@pytest.mark.parametrize(
    ("options", "battery_values"),
    [
        ({"use_battery": False}, {}),  # no battery reading counts
        ({}, {"charge_cap": "N/A"}),  # a counter the battery did not report
    ],
)
def test_a_dc_site_without_the_batterys_counters_has_no_solar_energy(options, battery_values):
    inverter_map, _, _ = identity_numbers()
    readings = readings_of(hybrid_reply(inverter_map), 38, 1)
    readings += battery(**battery_values)
    energy = energy_of(readings, **options)
    assert energy.production_today_kwh is None  # 24.79 would count the battery's discharge
    assert energy.battery_charged_today_kwh is None


def test_a_listed_battery_without_a_reading_leaves_the_dc_sum_out():
    inverter_map, _, _ = identity_numbers()
    readings = readings_of(hybrid_reply(inverter_map), 38, 1)
    plant = SitePlant("NE=1", devices=(Device(1, "", 38, "NE=1"), Device(2, "", 39, "NE=1")))
    meters = account(readings, AccountingOptions(battery_coupling="dc"), plants=[plant]).meters
    assert isinstance(meters, SiteMeters) and meters.production_today_kwh is None


def test_energies_stay_out_of_chargehqs_site_meters():
    inverter_map, charged, discharged = identity_numbers()
    readings = readings_of(hybrid_reply(inverter_map), 38, 1)
    readings += battery(charge_cap=charged, discharge_cap=discharged)
    result = account(readings, AccountingOptions()).meters
    assert isinstance(result, SiteMeters)
    assert not set(result.as_dict()) & set(result.energy.as_dict())


def test_a_counter_beyond_what_a_day_allows_is_named_and_left_out():
    envelope = reply("getDevRealKpi-1-string-inverter.json")
    readings = readings_of(envelope, 1, 1, day_cap=5000.0)
    plant = SitePlant("NE=1", devices=(Device(1, "", 1, "NE=1"),), capacity_kwp=10.0)
    accounting = account(readings, AccountingOptions(), plants=[plant])
    assert isinstance(accounting.meters, SiteMeters)
    assert accounting.meters.production_today_kwh is None
    assert any("day_cap 5000 kWh left out" in d for d in accounting.dropped)
