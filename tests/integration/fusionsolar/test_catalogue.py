"""The FusionSolar client against the emulator over loopback HTTP.

Client and emulator share one FakeClock; each "run" is a fresh client on state that went
through JSON (InMemoryStateStore), as a Lambda invocation with its state in SSM."""

import json

import pytest
import requests

from emulator.fusionsolar.scenario import default_devices, default_station
from emulator.fusionsolar.server import FusionSolarEmulator
from emulator.httpserve import LoopbackServer, Reply, Request
from fusioncharge.errors import (
    PlantNotFound,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar import FusionSolarClient
from fusioncharge.models import BATTERY, EMMA, POWER_SENSOR, RESIDENTIAL_INVERTER, Device
from tests.integration.fusionsolar.runs import PLANT_CODE, RIGHT, TYPES, make_runs


# --- plants ----------------------------------------------------------------------------------
def many_plants(n: int, target: int) -> dict:
    stations = [default_station(f"NE={1000 + i}", f"Plant {i}") for i in range(n)]
    return {"stations": stations, "devices": default_devices(f"NE={1000 + target}")}


def test_plant_on_page_two_of_150(clock, request):
    runs = make_runs(clock, request, **many_plants(150, 120))
    assert len(runs.run(station="Plant 120")) == 3
    assert runs.emu.count("stations") == 2
    assert runs.state.plant_code == "NE=1120"
    runs.clock.advance(300)
    runs.run(station="Plant 120")
    assert runs.emu.count("stations") == 2  # cached
    assert len(runs.new_client().list_plants()) == 150


def test_plant_not_found_lists_the_plants(runs, emu):
    with pytest.raises(PlantNotFound) as caught:
        runs.run(station="Cottage")
    assert "'Home'" in str(caught.value) and PLANT_CODE in str(caught.value)
    assert emu.count("getDevList") == 0
    assert emu.count("getStationList") == 0


@pytest.mark.parametrize("station", ["  home ", "HOME", PLANT_CODE])
def test_plant_by_name_ignoring_case_and_spaces_or_by_code(runs, station):
    runs.run(station=station)
    assert runs.state.plant_code == PLANT_CODE


def test_changed_station_setting_finds_the_plant_again(clock, request):
    runs = make_runs(clock, request, **many_plants(3, 2))
    runs.new_client().plant("Plant 2")
    runs.store.save(runs.client.state)
    runs.new_client().plant("Plant 2")
    assert runs.emu.count("stations") == 1
    assert runs.new_client().plant("Plant 1").code == "NE=1001"
    assert runs.emu.count("stations") == 2


# --- devices -------------------------------------------------------------------------------
def test_device_list_is_cached_for_6_hours(runs, emu):
    runs.run()
    for _ in range(71):  # 71 × 300 s = 5 h 55 min
        runs.clock.advance(300)
        runs.run()
    assert emu.count("getDevList") == 1
    runs.clock.advance(300)
    runs.run()
    assert emu.count("getDevList") == 2


@pytest.mark.parametrize("code", [20006])
def test_device_type_mismatch_refreshes_the_list_and_raises(runs, emu, code):
    runs.run()
    runs.clock.advance(3600)
    emu.fault_next("getDevRealKpi", "fail_code", code)
    with pytest.raises(UnexpectedResponse, match="next run"):
        runs.run()
    assert emu.count("getDevList") == 2
    assert runs.state.devices_fetched_at == runs.clock.now()
    runs.clock.advance(300)
    assert len(runs.run()) == 3


def test_one_20013_for_the_inverter_is_one_runs_failure(runs, emu):
    """It once marked the inverter unserved until the device list changed: a day or more of
    failed runs that only deleting the state ended."""
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("getDevRealKpi", "fail_code", 20013)  # the first type asked: 38
    readings = runs.run()
    inverters = [r for r in readings if r.type_id == 38]
    assert inverters and all(r.empty for r in inverters)  # unknown, never left out (never 0)
    assert {r.type_id for r in readings if not r.empty} == {39, 47}
    assert runs.state.unserved_types is None
    runs.clock.advance(300)
    assert all(not r.empty for r in runs.run())  # asked again at once
    assert emu.count("getDevList") == 1  # not taken for a stale device list


def test_an_inverter_an_older_version_remembered_as_unserved_is_read(runs, emu):
    runs.run()
    state = runs.state
    state.unserved_types = [RESIDENTIAL_INVERTER]  # what an earlier version kept after a 20013
    runs.store.save(state)
    runs.clock.advance(300)
    assert RESIDENTIAL_INVERTER in {r.type_id for r in runs.run() if not r.empty}


@pytest.mark.parametrize("type_id", [BATTERY, POWER_SENSOR])
def test_one_20013_for_a_battery_or_a_meter_is_not_remembered(runs, emu, type_id):
    runs.run(types=(type_id,))
    runs.clock.advance(300)
    emu.fault_next("getDevRealKpi", "fail_code", 20013)
    assert all(r.empty for r in runs.run(types=(type_id,)))
    assert runs.state.unserved_types is None
    runs.clock.advance(300)
    assert all(not r.empty for r in runs.run(types=(type_id,)))


def test_an_emma_answering_20013_is_asked_again_at_the_next_device_list_fetch(runs, emu):
    emu.scenario["devices"].append(
        {"id": 88, "devName": "SA4H-1", "devTypeId": EMMA, "stationCode": PLANT_CODE}
    )
    emu.index_plants_and_devices()
    runs.run(types=(RESIDENTIAL_INVERTER, EMMA))
    runs.clock.advance(300)
    asked = emu.count("getDevRealKpi")
    emu.fault_next("getDevRealKpi", "fail_code", 20013)  # 38 first ...
    emu.fault_next("getDevRealKpi", "fail_code", 20013)  # ... then the EMMA
    runs.run(types=(RESIDENTIAL_INVERTER, EMMA))
    assert runs.state.unserved_types == [EMMA]  # the inverter's 20013 is not remembered
    for _ in range(3):
        runs.clock.advance(300)
        assert {r.type_id for r in runs.run(types=(RESIDENTIAL_INVERTER, EMMA))} == {38}
    assert emu.count("getDevRealKpi") == asked + 2 + 3  # the EMMA not asked meanwhile
    runs.clock.advance(6 * 3600)  # the cached list expires; the same devices come back
    runs.run(types=(RESIDENTIAL_INVERTER, EMMA))
    assert runs.state.unserved_types is None  # forgotten at the fetch, asked again
    assert emu.count("getDevRealKpi") == asked + 2 + 3 + 2


@pytest.mark.parametrize("type_id", [RESIDENTIAL_INVERTER, BATTERY])
def test_a_device_list_without_a_type_does_not_drop_it_until_a_second_agrees(runs, emu, type_id):
    """One partial list once dropped the inverter (72 failed runs) or the battery (its
    discharge then counted as solar) for the list's 6 hours."""
    runs.run()
    runs.clock.advance(6 * 3600)  # the cached list expires
    emu.leave_out_of_next_device_list(type_id)
    assert type_id in {r.type_id for r in runs.run() if not r.empty}
    assert emu.count("getDevList") == 2
    assert runs.state.missing_types == [type_id]
    runs.clock.advance(300)
    assert type_id in {r.type_id for r in runs.run() if not r.empty}
    runs.clock.advance(6 * 3600)
    runs.run()  # a full list again: nothing missing
    assert runs.state.missing_types is None
    runs.clock.advance(6 * 3600)
    emu.leave_out_of_next_device_list(type_id)
    emu.leave_out_of_next_device_list(type_id)
    runs.run()
    runs.clock.advance(6 * 3600)
    assert type_id not in {r.type_id for r in runs.run()}  # two lists agree: it is gone
    assert runs.state.missing_types is None


def test_the_plants_facts_are_kept_and_learned_once_by_an_older_state(runs, emu):
    runs.run()
    plant = runs.new_client().plant("Home")
    assert (plant.capacity_kwp, plant.latitude, plant.longitude) == (10.0, 49.9453, 8.2223)
    assert plant.grid_connection_date == "2023-01-01T10:00:00+00:00"
    state = runs.state
    state.plant_facts = None  # as a stack deployed before facts were kept
    runs.store.save(state)
    runs.clock.advance(300)
    runs.run()
    assert emu.count("stations") == 1  # not before the device list is due
    runs.clock.advance(6 * 3600)
    runs.run()
    runs.clock.advance(6 * 3600)
    runs.run()
    assert emu.count("stations") == 2  # once, beside a device-list fetch
    assert runs.new_client().plant("Home").capacity_kwp == 10.0


def test_only_types_with_real_time_data_are_asked(runs, emu):
    runs.run(types=(62, 46, 23071, 23072, 12345, 38))
    assert emu.count("getDevRealKpi") == 1


def test_a_fresh_device_list_is_not_fetched_again_within_the_hour(runs, emu):
    runs.run()
    runs.clock.advance(600)
    emu.fault_next("getDevRealKpi", "fail_code", 20006)
    with pytest.raises(UnexpectedResponse):
        runs.run()
    assert emu.count("getDevList") == 1


def test_a_device_that_is_gone_refreshes_the_list(runs, emu):
    runs.run()
    state = runs.state
    state.devices.append(Device(-42, "Old battery", BATTERY, PLANT_CODE))
    state.devices_fetched_at -= 3600
    runs.store.save(state)
    runs.clock.advance(300)
    with pytest.raises(UnexpectedResponse):
        runs.run()  # the emulator answers 20008 for an unknown device
    assert -42 not in [d.id for d in runs.state.devices]
    runs.clock.advance(300)
    assert len(runs.run()) == 3


def test_a_station_not_found_reads_the_plant_list_at_most_hourly(runs, emu):
    """A mistyped STATION used to read the plant list every run: after 34 Huawei refused it
    for the day, so the fixed name was only found about 20 hours later."""
    for _ in range(24):  # two hours of runs
        with pytest.raises(PlantNotFound) as caught:
            runs.run(station="Hme")
        runs.clock.advance(300)
    assert emu.count("stations") == 2
    assert "UTC" in str(caught.value) and "changed STATION is looked up at once" in str(
        caught.value
    )
    assert len(runs.run(station="Home")) == 3  # the fix is used at once
    assert emu.count(outcome="quota") == 0


def test_a_plant_re_created_under_a_new_code_is_looked_up_afresh(runs, emu):
    """Old device ids answer 20008, the old plant code 20007: the plant is found again
    (it used to fail every run until the state parameter was deleted)."""
    runs.run()
    [home] = [s for s in emu.scenario["stations"] if s["plantName"] == "Home"]
    old_code, home["plantCode"] = home["plantCode"], "NE=777"
    moved = set()
    for device in emu.scenario["devices"]:
        if device["stationCode"] == old_code:
            moved.add(int(device["id"]))
            device["stationCode"], device["id"] = "NE=777", int(device["id"]) + 1000
    for items in emu.scenario.get("kpis", {}).values():
        for item in items:
            if int(item["devId"]) in moved:
                item["devId"] = int(item["devId"]) + 1000
    emu.index_plants_and_devices()
    runs.clock.advance(3600)  # the device list may be fetched again
    with pytest.raises(UnexpectedResponse) as caught:
        runs.run()
    assert "looks STATION up again" in str(caught.value)
    runs.clock.advance(300)
    assert len(runs.run()) == 3
    assert runs.state.plant_code == "NE=777"


def test_a_stale_device_list_kept_says_so(runs, emu):
    runs.run()
    runs.clock.advance(600)
    emu.fault_next("getDevRealKpi", "fail_code", 20006)
    with pytest.raises(UnexpectedResponse) as caught:
        runs.run()
    assert "was fetched again" not in str(caught.value) and "kept" in str(caught.value)


def test_a_device_missing_from_the_reply_is_unknown_and_costs_no_list_call(runs, emu):
    runs.run()
    with DroppingProxy(emu, drop_type=BATTERY) as proxy:
        runs.clock.advance(3600)
        client = FusionSolarClient.on_store(
            proxy.base_url, RIGHT, runs.store, clock=runs.clock, timeouts=(2, 2)
        )
        readings = client.readings(client.plant("Home"), TYPES)
    assert sorted(r.type_id for r in readings) == [RESIDENTIAL_INVERTER, BATTERY, POWER_SENSOR]
    (battery,) = [r for r in readings if r.type_id == BATTERY]
    assert battery.values == {}  # unknown: never counted as zero in the site meters
    assert emu.count("getDevList") == 1  # a dead device would spend the day's list calls


class DroppingProxy:
    """Forwards to the emulator over HTTP, leaving one device type out of getDevRealKpi data."""

    def __init__(self, emu: FusionSolarEmulator, drop_type: int) -> None:
        self.emu, self.drop_type = emu, drop_type
        self.server = LoopbackServer(self.handle)

    def handle(self, request: Request) -> Reply:
        token = request.headers.get("XSRF-TOKEN")
        reply = requests.post(
            self.emu.base_url + request.path,
            data=request.body,
            headers={"XSRF-TOKEN": token} if token else {},
            timeout=5,
        )
        body = reply.content
        if request.path.endswith("getDevRealKpi") and request.json()["devTypeId"] == self.drop_type:
            envelope = reply.json()
            envelope["data"] = []
            body = json.dumps(envelope).encode()
        token = reply.headers.get("xsrf-token")
        return Reply(reply.status_code, body, (("xsrf-token", token),) if token else ())

    def __enter__(self) -> "DroppingProxy":
        self.server.start()
        self.base_url = self.server.base_url
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
