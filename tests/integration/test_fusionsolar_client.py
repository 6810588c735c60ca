"""The FusionSolar client against the emulator over loopback HTTP.

Client and emulator share one FakeClock; each "run" is a fresh client on state that went
through JSON (InMemoryStateStore), as a Lambda invocation with its state in SSM.
"""

import itertools
import json
import logging
import math
import random
import socket
from collections.abc import Iterator

import pytest
import requests

from emulator.clock import FakeClock
from emulator.fusionsolar.scenario import default_devices, default_station
from emulator.fusionsolar.server import FusionSolarEmulator
from emulator.httpserve import LoopbackServer, Reply, Request
from fusioncharge.clock import Deadline
from fusioncharge.errors import (
    AccountLocked,
    CallTooSoon,
    CredentialsRejected,
    FusionSolarError,
    FusionSolarUnavailable,
    PlantNotFound,
    QuotaExceeded,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.fusionsolar.auth import LOGIN_SETTLE
from fusioncharge.models import BATTERY, EMMA, POWER_SENSOR, RESIDENTIAL_INVERTER, Device, Reading
from fusioncharge.state import InMemoryStateStore, State

TYPES = (RESIDENTIAL_INVERTER, POWER_SENSOR, BATTERY)
PLANT_CODE = "NE=12345678"
RIGHT = Credentials("demo", "demo-Secret-9")
WRONG = Credentials("demo", "wrong-Secret-7")


class Runs:
    """Poller runs against one emulator, with the state kept between them as JSON."""

    def __init__(self, emu: FusionSolarEmulator, clock: FakeClock) -> None:
        self.emu, self.clock = emu, clock
        self.store = InMemoryStateStore()
        self.client: FusionSolarClient | None = None

    def new_client(
        self, credentials: Credentials = RIGHT, *, seconds: float = 60.0, **kw
    ) -> FusionSolarClient:
        kw.setdefault("timeouts", (2.0, 2.0))
        deadline = Deadline.after(self.clock, seconds)
        self.client = FusionSolarClient.on_store(
            self.emu.base_url,
            credentials,
            self.store,
            clock=self.clock,
            deadline=deadline,
            **kw,
        )
        return self.client

    def run(
        self,
        credentials: Credentials = RIGHT,
        station: str = "Home",
        types: tuple[int, ...] = TYPES,
        **kw,
    ) -> list[Reading]:
        client = self.new_client(credentials, **kw)
        try:
            return client.readings(client.plant(station), types)
        finally:
            self.store.save(client.state)

    @property
    def state(self) -> State:
        return self.store.load()


def scenario(**parts) -> dict:
    return {"credentials": {"username": RIGHT.username, "system_code": RIGHT.system_code}} | parts


# A "timeout" fault holds its request this long; the runs that expect one read for READ_TIMEOUT.
# Loopback answers at once, but a loaded CI machine can stall a reply for half a second.
HOLD_SECONDS, READ_TIMEOUT = 3.0, 2.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[FusionSolarEmulator]:
    with FusionSolarEmulator(scenario(), clock=clock, timeout_hold=HOLD_SECONDS) as emulator:
        yield emulator


@pytest.fixture
def runs(emu: FusionSolarEmulator, clock: FakeClock) -> Runs:
    return Runs(emu, clock)


def make_runs(clock: FakeClock, request: pytest.FixtureRequest, **parts) -> Runs:
    emulator = FusionSolarEmulator(scenario(**parts), clock=clock, timeout_hold=HOLD_SECONDS)
    emulator.start()
    request.addfinalizer(emulator.stop)
    return Runs(emulator, clock)


# --- a normal run ------------------------------------------------------------------------
def test_first_run_logs_in_finds_the_plant_and_reads_each_type_once(runs, emu):
    readings = runs.run()
    assert sorted(r.type_id for r in readings) == sorted(TYPES)
    for reading in readings:
        assert reading.values and all(math.isfinite(v) for v in reading.values.values())
        assert reading.time_ms == int(runs.clock.now() * 1000)
    assert [c.interface for c in emu.calls] == [
        "login",
        "stations",
        "getDevList",
        "getDevRealKpi",
        "getDevRealKpi",
        "getDevRealKpi",
    ]
    assert runs.client.calls == len(emu.calls) == 6 and runs.client.logins == 1
    state = runs.state
    assert state.token and state.token_issued_at == runs.clock.now()
    assert (state.plant_code, state.plant_name, state.plant_for_station) == (
        PLANT_CODE,
        "Home",
        "Home",
    )
    assert set(state.last_fetch) == {str(t) for t in TYPES}


def test_types_without_devices_are_not_called(runs, emu):
    readings = runs.run(types=(1, 17, 38))  # no string inverter, no grid meter here
    assert [r.type_id for r in readings] == [38]
    assert emu.count("getDevRealKpi") == 1


# --- session ---------------------------------------------------------------------------------
def test_token_is_reused_across_runs_with_no_login(runs, emu):
    runs.run()
    for _ in range(4):
        runs.clock.advance(300)
        runs.run()
        assert runs.client.logins == 0
    assert emu.count("login") == 1
    assert emu.count(outcome="fail_code") == 0


def test_token_is_renewed_before_it_expires(runs, emu):
    runs.run()
    issued = runs.state.token_issued_at
    runs.clock.set(issued + 29 * 60 - 1)
    runs.new_client().list_plants()
    assert runs.client.logins == 0
    runs.clock.set(issued + 29 * 60)
    runs.new_client().list_plants()
    assert runs.client.logins == 1
    assert emu.count("login") == 2
    assert emu.count(outcome="fail_code") == 0  # never a 305 from an expired token
    assert runs.client.state.token_issued_at == issued + 29 * 60 + LOGIN_SETTLE


def test_one_login_again_on_305_then_success(runs, emu):
    runs.run()
    runs.clock.advance(300)
    emu.expire_tokens()
    readings = runs.run()
    assert len(readings) == 3
    assert runs.client.logins == 1
    assert emu.count(outcome="fail_code") == 1  # the 305
    assert [c.interface for c in emu.calls[-3:]] == ["getDevRealKpi"] * 3


@pytest.mark.parametrize("code", [306, 307])
def test_306_and_307_also_mean_log_in_again(runs, emu, code):
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("getDevRealKpi", "fail_code", code)
    assert len(runs.run()) == 3
    assert runs.client.logins == 1


def test_never_a_second_login_in_one_run(runs, emu):
    emu.fault_next("stations", "fail_code", 305)  # right after this run's own login
    with pytest.raises(UnexpectedResponse, match="second login"):
        runs.run()
    assert emu.count("login") == 1 and runs.client.logins == 1


def test_a_305_does_not_count_as_a_reading_for_pacing(runs, emu):
    runs.run()
    before = dict(runs.state.last_fetch)
    runs.clock.advance(300)
    emu.expire_tokens()
    emu.fault_next("login", "http_500")  # the 305 is the only reply this run gets
    with pytest.raises(FusionSolarUnavailable):
        runs.run()
    assert emu.count(outcome="fail_code") == 1
    assert runs.state.last_fetch == before


def test_never_logs_out(runs, emu):
    for _ in range(12):
        runs.run()
        runs.clock.advance(300)
    assert emu.count("logout") == 0


# --- lockout guard ---------------------------------------------------------------------------
def test_rejected_credentials_raise_and_set_the_guard(runs, emu):
    with pytest.raises(CredentialsRejected) as caught:
        runs.run(WRONG)
    message = str(caught.value)
    assert "fusionsolar_username" in message and "fusionsolar_system_code" in message
    assert WRONG.system_code not in message
    state = runs.state
    assert state.no_login_before == runs.clock.now() + 1800
    salt, digest = state.rejected_credentials.split("$")
    assert salt and len(digest) == 64
    assert WRONG.system_code not in runs.store.text
    assert state.token is None


def test_no_second_login_after_rejection_in_the_same_run(runs, emu):
    client = runs.new_client(WRONG)
    with pytest.raises(CredentialsRejected):
        client.list_plants()
    with pytest.raises(AccountLocked):
        client.list_plants()
    assert emu.count("login") == 1 and client.logins == 1


def test_no_login_within_30_minutes_of_a_rejection(runs, emu):
    with pytest.raises(CredentialsRejected):
        runs.run(WRONG)
    resume = runs.state.no_login_before
    for _ in range(5):
        runs.clock.advance(299)
        with pytest.raises(AccountLocked) as caught:
            runs.run(WRONG)
        assert runs.client.calls == 0
    assert emu.count() == 1
    message = str(caught.value)
    assert "UTC" in message and "fusionsolar_system_code" in message
    assert WRONG.system_code not in message
    runs.clock.set(resume)
    with pytest.raises(CredentialsRejected):
        runs.run(WRONG)  # the guard ran out: one more try
    assert emu.count("login") == 2


def test_changed_secret_lifts_the_guard_at_once(runs, emu):
    with pytest.raises(CredentialsRejected):
        runs.run(WRONG)
    runs.clock.advance(60)
    assert len(runs.run(RIGHT)) == 3
    state = runs.state
    assert state.no_login_before is None and state.rejected_credentials is None
    assert state.token


def test_password_changed_at_huawei_is_reported_and_then_fixed(runs, emu):
    runs.run()
    emu.set_password("new-Secret-1")
    emu.expire_tokens()
    runs.clock.advance(300)
    with pytest.raises(CredentialsRejected):
        runs.run()
    runs.clock.advance(300)
    with pytest.raises(AccountLocked):
        runs.run()
    runs.clock.advance(300)
    assert len(runs.run(Credentials("demo", "new-Secret-1"))) == 3


def test_a_wrong_password_never_locks_the_account_over_100_runs(runs, emu):
    for _ in range(100):
        with pytest.raises((CredentialsRejected, AccountLocked)):
            runs.run(WRONG)
        runs.clock.advance(300)
    wrong = [c.time for c in emu.calls if c.outcome == "wrong_password"]
    assert emu.count(outcome="locked") == 0
    assert len(wrong) == emu.count() == math.ceil(100 * 300 / 1800)
    assert all(b - a >= 1800 for a, b in itertools.pairwise(wrong))
    assert len(runs.run(RIGHT)) == 3  # and the right password still works


@pytest.mark.parametrize(
    ("code", "error"), [(20400, CredentialsRejected), (20403, AccountLocked), (407, QuotaExceeded)]
)
def test_login_fail_codes(runs, emu, code, error):
    emu.fault_next("login", "fail_code", code)
    with pytest.raises(error):
        runs.run()
    state = runs.state
    guarded = state.no_login_before is not None or state.locked_until is not None
    assert guarded == (code != 407)
    runs.clock.advance(300)
    if guarded:
        with pytest.raises(AccountLocked):
            runs.run()
        assert emu.count("login") == 1
    else:
        assert len(runs.run()) == 3


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


# --- pacing ---------------------------------------------------------------------------------
def test_a_call_a_little_early_waits_out_the_window(runs, emu):
    runs.run()
    first = runs.clock.now()
    runs.clock.advance(290)
    assert len(runs.run()) == 3
    assert runs.clock.now() == first + 300  # slept 10 s on the shared clock
    assert emu.count(outcome="quota") == 0


def test_a_call_much_too_early_is_refused_without_a_request(runs, emu):
    runs.run()
    runs.clock.advance(200)
    before = emu.count()
    with pytest.raises(CallTooSoon) as caught:
        runs.run(seconds=600)  # time enough, but a 100 s wait is not worth a run
    assert emu.count() == before
    assert "UTC" in str(caught.value)


def test_no_waiting_past_the_deadline(runs, emu):
    runs.run()
    runs.clock.advance(290)
    with pytest.raises(CallTooSoon):
        runs.run(seconds=8)  # waiting 10 s would overrun the run
    assert emu.count("getDevRealKpi") == 3


def test_a_day_of_runs_with_jitter_never_hits_the_quota(runs, emu):
    jitter = random.Random(7)
    errors = []
    for _ in range(288):
        try:
            runs.run()
        except FusionSolarError as exc:
            errors.append(exc)
        runs.clock.advance(300 + jitter.uniform(-3, 3))
    assert errors == []
    assert emu.count(outcome="quota") == 0
    assert emu.count(outcome="fail_code") == 0
    assert emu.count("login") <= 49
    assert emu.count("getDevRealKpi") == 3 * 288
    assert emu.count("getDevList") <= 5


# --- faults ----------------------------------------------------------------------------------
FAULTS = [
    ("http_500", None, FusionSolarUnavailable),
    ("http_403_quota", None, QuotaExceeded),
    ("http_429", None, QuotaExceeded),
    ("timeout", None, FusionSolarUnavailable),
    ("html", None, FusionSolarUnavailable),
    ("empty_body", None, FusionSolarUnavailable),
    ("truncated_json", None, FusionSolarUnavailable),
    ("fail_code", 407, QuotaExceeded),
    ("fail_code", 20618, QuotaExceeded),
    ("fail_code", 20004, FusionSolarUnavailable),
    ("fail_code", 401, UnexpectedResponse),
    ("fail_code", 12345, UnexpectedResponse),
]


@pytest.mark.parametrize("interface", ["stations", "getDevList", "getDevRealKpi"])
@pytest.mark.parametrize(("kind", "code", "error"), FAULTS)
def test_every_fault_gives_its_typed_error(clock, request, interface, kind, code, error):
    fault = {"interface": interface, "kind": kind, "fail_code": code}
    runs = make_runs(clock, request, faults=[fault])
    with pytest.raises(error) as caught:
        runs.run(timeouts=(1.0, READ_TIMEOUT))
    message = str(caught.value)
    assert interface in message
    assert RIGHT.system_code not in message and (runs.state.token or "\0") not in message
    tries = runs.emu.count(interface)
    retried = kind == "http_500" and interface != "getDevRealKpi"  # a 5xx, but not a reading
    assert tries == (2 if retried else 1)
    assert runs.client.calls == runs.emu.count()


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("http_500", FusionSolarUnavailable),
        ("timeout", FusionSolarUnavailable),
        ("http_429", QuotaExceeded),
        ("empty_body", CredentialsRejected),  # how FusionSolar says "wrong password"
        ("html", FusionSolarUnavailable),
    ],
)
def test_login_faults_are_never_retried(clock, request, kind, error):
    runs = make_runs(clock, request, faults=[{"interface": "login", "kind": kind}])
    with pytest.raises(error):
        runs.run(timeouts=(1.0, READ_TIMEOUT))
    assert runs.emu.count("login") == 1


def test_a_single_5xx_is_retried_once_then_succeeds(runs, emu):
    emu.fault_next("getDevList", "http_500")
    assert len(runs.run()) == 3
    assert emu.count("getDevList") == 2
    assert runs.client.calls == emu.count() == 7


def test_no_retry_when_the_run_has_no_time_for_it(runs, emu):
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("stations", "http_500")
    with pytest.raises(FusionSolarUnavailable, match="HTTP 500"):
        # a whole retry needs 4 s, the run has 3
        runs.new_client(seconds=3, timeouts=(2.0, 2.0)).list_plants()
    assert emu.count("stations") == 1 + 1


def test_a_reading_call_answered_5xx_is_not_sent_again(runs, emu):
    """Huawei may have counted the call behind a 5xx: a retry within 5 minutes is a 407."""
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("getDevRealKpi", "http_500")
    with pytest.raises(FusionSolarUnavailable, match="HTTP 500"):
        runs.run()
    assert emu.count("getDevRealKpi") == 3 + 1


def test_quota_403_is_not_retried_and_counts_for_pacing(runs, emu):
    emu.fault_next("getDevRealKpi", "http_403_quota")
    with pytest.raises(QuotaExceeded, match="HTTP 403"):
        runs.run()
    assert emu.count("getDevRealKpi") == 1
    assert str(RESIDENTIAL_INVERTER) in runs.state.last_fetch


def test_read_timeout_is_short_and_counts_for_pacing(runs, emu):
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("getDevRealKpi", "timeout")
    with pytest.raises(FusionSolarUnavailable, match="timed out"):
        runs.run(timeouts=(1.0, READ_TIMEOUT))
    assert runs.state.last_fetch[str(RESIDENTIAL_INVERTER)] == runs.clock.now()
    assert emu.count("getDevRealKpi") == 4


def test_connection_refused_is_unavailable_and_does_not_count(clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state = State(token="t", token_issued_at=clock.now(), plant_code="NE=1", plant_for_station="H")
    state.devices, state.devices_fetched_at = (
        [Device(1, "i", 38, "NE=1")],
        clock.now(),
    )
    store = InMemoryStateStore(clock=clock)
    store.save(state)
    client = FusionSolarClient.on_store(
        f"http://127.0.0.1:{port}", RIGHT, store, clock=clock, timeouts=(1, 1)
    )
    with pytest.raises(FusionSolarUnavailable, match="could not connect"):
        client.readings(client.plant("H"), [38])
    assert client.state.last_fetch == {}
    assert client.calls == 1


def test_a_reply_over_1_mib_is_refused(clock, request):
    huge = {"devId": 1000000012345602, "dataItemMap": {"active_power": 1, "junk": "x" * (1 << 20)}}
    runs = make_runs(clock, request, kpis={str(RESIDENTIAL_INVERTER): [huge]})
    with pytest.raises(UnexpectedResponse, match="KiB"):
        runs.run()


def test_logs_hold_no_secret(runs, emu, caplog):
    caplog.set_level(logging.DEBUG)
    runs.run()
    tokens = [runs.state.token]
    emu.expire_tokens()
    runs.clock.advance(300)
    runs.run()
    tokens.append(runs.state.token)
    runs.clock.advance(300)
    emu.expire_tokens()
    with pytest.raises(CredentialsRejected):
        runs.run(WRONG)
    text = caplog.text
    assert "logged in" in text and "getDevRealKpi" in text and "rejected" in text.lower()
    assert RIGHT.system_code not in text and WRONG.system_code not in text
    assert all(token and token not in text for token in tokens)
