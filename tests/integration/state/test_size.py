"""The state in SSM through the real handler: a large plant fits the parameter, and the
parameter an existing stack wrote before an update is still read (no fresh start, no quota)."""

import json
from pathlib import Path

from fusioncharge.models import BATTERY, POWER_SENSOR, RESIDENTIAL_INVERTER
from fusioncharge.state.store import SSM_MAX_CHARS
from tools.local.site import Site, worked_example_scenario

PLANT = "NE=35436844"
V1_STATE = Path(__file__).parents[2] / "fixtures" / "states" / "v1-after-first-run.json"


def hundred_device_plant() -> dict:
    """98 inverters, a power sensor and a battery (100 read devices) and a dongle each."""

    def device(n: int, type_id: int, name: str) -> dict:
        return {
            "id": 1000000035436000 + n,
            "devName": name,
            "devTypeId": type_id,
            "stationCode": PLANT,
        }

    devices = [
        device(n, RESIDENTIAL_INVERTER, f"SUN2000-10KTL-M1 HV22404683{n:02d}") for n in range(98)
    ]
    devices += [device(98, POWER_SENSOR, "DTSU666-H Meter-1"), device(99, BATTERY, "LUNA2000-10")]
    devices += [device(100 + n, 62, f"SDongleA-05 HV2240085{n:03d}") for n in range(98)]
    return {
        "stations": [{"plantCode": PLANT, "plantName": "Home", "capacity": 980}],
        "devices": devices,
    }


def test_a_hundred_read_devices_fit_the_parameter_and_the_list_is_fetched_once():
    with Site(hundred_device_plant()) as site:
        runs = [site.run()] + [site.next_run() for _ in range(3)]
        text = site.state_text() or ""
        listed = site.emulator.count("getDevList")
    assert [r.error for r in runs] == [None] * 4
    assert len(text.encode()) <= SSM_MAX_CHARS, f"state is {len(text.encode())} bytes"
    assert listed == 1, "the device list was fetched again: the state could not keep it"
    assert all(len(r.pushes) == 1 for r in runs)


def test_a_hundred_read_devices_still_fit_with_every_sink_remembering_something():
    settings = {"SINKS": "chargehq,hass,pvoutput", "PLANT_TIMEZONE": "Australia/Sydney"}
    with Site(hundred_device_plant(), settings=settings) as site:
        site.pvoutput.limit = 2  # PVOutput's limit used up: it keeps its reset time
        runs = [site.run()]
        for _ in range(2):
            site.receiver.fault_next("http_404")  # ChargeHQ gone: it keeps since when
            runs.append(site.next_run())
        text = site.state_text() or ""
    assert [r.error for r in runs] == [None] * 3
    sinks = json.loads(text)["sinks"]
    assert set(sinks) == {"chargehq", "hass", "pvoutput"} and "wait_until" in sinks["pvoutput"]
    assert "confirmed_at" in sinks["hass"]  # when Home Assistant's webhook was confirmed
    assert len(text.encode()) <= SSM_MAX_CHARS, f"state is {len(text.encode())} bytes"


def test_the_parameter_of_a_stack_updated_from_the_previous_version_is_read():
    """What the previous version saved after its first run; the update's first run uses it."""
    with Site(worked_example_scenario()) as site:
        site.put_state_text(V1_STATE.read_text())
        site.clock.advance(300)
        out = site.run()
        text = site.state_text() or ""
    assert out.error is None and len(out.pushes) == 1
    assert out.calls_to("stations") == 0, "the plant found by the old version was forgotten"
    assert out.calls_to("getDevList") == 0, "the old version's device list was forgotten"
    read = [c for c in out.calls if c.interface == "getDevRealKpi" and c.outcome == "ok"]
    assert len(read) == 3  # one per type (this emulator never issued the saved token: a login)
    assert json.loads(text)["v"] == 2  # saved back in today's format


def big_plant(read_devices: int) -> dict:
    """A large site: inverters whose ids lie close together, as one commissioning gives them,
    not one after the other; a power sensor and a battery."""

    def device(dev_id: int, type_id: int, name: str) -> dict:
        return {"id": dev_id, "devName": name, "devTypeId": type_id, "stationCode": PLANT}

    base = 1000000035436000
    devices = [
        device(base + 37 * n + n % 5, RESIDENTIAL_INVERTER, f"SUN2000 HV{n:04d}")
        for n in range(read_devices - 2)
    ]
    devices += [device(base - 5, POWER_SENSOR, "Meter"), device(base - 9, BATTERY, "LUNA")]
    return {
        "stations": [{"plantCode": PLANT, "plantName": "Home", "capacity": 98000}],
        "devices": devices,
    }


def test_a_site_of_250_read_devices_keeps_its_device_list_across_saves():
    """Over about 180 read devices the list in full did not fit: every save dropped it and
    every run fetched it again (288 getDevList a day against a cap of about 25)."""
    with Site(big_plant(250)) as site:
        runs = [site.run()] + [site.next_run() for _ in range(3)]
        text = site.state_text() or ""
        listed = site.emulator.count("getDevList")
    assert len(text.encode()) <= SSM_MAX_CHARS, f"state is {len(text.encode())} bytes"
    assert listed == 1, "the device list was fetched again: the state could not keep it"
    assert all(len(r.pushes) == 1 for r in runs), [r.error for r in runs]
