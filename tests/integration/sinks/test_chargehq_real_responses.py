"""Bodies built from real captured FusionSolar responses pass the ChargeHQ receiver's checks."""

import json
import math
from pathlib import Path

import pytest

from emulator.receivers.chargehq import ChargeHqReceiver
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    SiteMeters,
    compute_site_meters,
    device_types_needed,
)
from fusioncharge.models import Device, Reading
from fusioncharge.sinks.chargehq import ChargeHqClient

# Real, anonymised FusionSolar replies, kept in the repository.
RESPONSES = Path(__file__).parents[2] / "fixtures" / "fusionsolar-responses"
KEY = "0b7c2e4e-0000-4000-8000-0000000000aa"
KPI_FILES = {
    1: "getDevRealKpi-1-string-inverter.json",
    39: "getDevRealKpi-39-battery.json",
    47: "getDevRealKpi-47-power-sensor.json",
    62: "getDevRealKpi-62-dongle.json",
}

pytestmark = pytest.mark.skipif(
    not (RESPONSES / "getDevList.json").is_file(), reason="captured responses not present"
)


def _number(value: object) -> float | None:
    """Numbers and numeric strings that are finite; anything else (null, "N/A") is unknown."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def readings_of(type_id: int) -> list[Reading]:
    """A tiny stand-in for the real parser: getDevRealKpi reply -> Readings."""
    reply = json.loads((RESPONSES / KPI_FILES[type_id]).read_text())
    result = []
    for item in reply["data"]:
        raw = item["dataItemMap"]
        values = {k: n for k, v in raw.items() if (n := _number(v)) is not None}
        unknown = frozenset(k for k in raw if k not in values)
        result.append(
            Reading(int(item["devId"]), type_id, values, unknown, reply["params"]["currentTime"])
        )
    return result


def devices() -> list[Device]:
    reply = json.loads((RESPONSES / "getDevList.json").read_text())
    return [
        Device(int(d["id"]), d["devName"], int(d["devTypeId"]), d["stationCode"])
        for d in reply["data"]
    ]


def all_readings() -> list[Reading]:
    return [r for type_id in KPI_FILES for r in readings_of(type_id)]


def test_the_captured_site_needs_inverter_battery_and_power_sensor():
    assert device_types_needed(devices(), AccountingOptions()) == [1, 39, 47]


def test_parsing_keeps_na_as_unknown():
    [inverter] = readings_of(1)
    assert "close_time" in inverter.unknown
    assert inverter.get("active_power") == 0.18


def test_captured_site_meters():
    meters = compute_site_meters(all_readings(), AccountingOptions(battery_capacity_kwh=10))
    assert isinstance(meters, SiteMeters)
    assert meters.as_dict() == {
        "production_kw": 0.18,
        "net_import_kw": -1.537,  # the sensor's 1537 W export (captured at another moment)
        "consumption_kw": -1.357,
        "imported_kwh": 583.08,
        "exported_kwh": 322.32,
        "battery_discharge_kw": 0.0,
        "battery_soc": 1.0,
        "battery_energy_kwh": 10.0,
    }
    assert meters.tsms == 1665646198532


OPTIONS = {
    "defaults": AccountingOptions(),
    "no power sensor": AccountingOptions(use_power_sensor=False),
    "no battery": AccountingOptions(use_battery=False),
    "ac coupled": AccountingOptions(battery_coupling="ac", battery_capacity_kwh=5),
    "meter flipped": AccountingOptions(meter_export_positive=False),
}
MIXES = {
    "inverter only": (1,),
    "inverter + sensor": (1, 47),
    "inverter + battery": (1, 39),
    "everything": (1, 39, 47, 62),
}


@pytest.fixture(scope="module")
def receiver():
    with ChargeHqReceiver(api_key=KEY) as rcv:
        yield rcv


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("mix", MIXES.values(), ids=MIXES.keys())
def test_every_push_from_captured_readings_passes_the_receiver(receiver, options, mix):
    readings = [r for type_id in mix for r in readings_of(type_id)]
    meters = compute_site_meters(readings, options)
    assert isinstance(meters, SiteMeters)
    sent = ChargeHqClient(receiver.url, KEY, timeout=2).push_site_meters(meters)
    push = receiver.pushes[-1]
    assert push.body == sent
    assert push.problems == []
    assert push.body["siteMeters"]["production_kw"] >= 0
