"""The FusionSolar emulator over real HTTP: sessions, limits, paging and id checks."""

import pytest
import requests

from emulator.clock import FakeClock
from emulator.fusionsolar.scenario import default_devices, default_station
from emulator.fusionsolar.server import LOGIN_MESSAGE, FusionSolarEmulator

MUST_RELOGIN = {"failCode": 305, "immediately": True, "message": "USER_MUST_RELOGIN"}
TOO_FREQUENT = {
    "data": "ACCESS_FREQUENCY_IS_TOO_HIGH",
    "failCode": 407,
    "params": None,
    "success": False,
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_700_000_000.0)


@pytest.fixture
def emu(clock: FakeClock):
    with FusionSolarEmulator(clock=clock, timeout_hold=1.0) as emu:
        yield emu


def post(emu: FusionSolarEmulator, interface: str, body: dict, token: str | None = None):
    headers = {"XSRF-TOKEN": token} if token else {}
    return requests.post(
        f"{emu.base_url}/thirdData/{interface}", json=body, headers=headers, timeout=5
    )


def login(emu: FusionSolarEmulator, password: str | None = None) -> requests.Response:
    user, code = emu.credentials
    return post(emu, "login", {"userName": user, "systemCode": password or code})


def token_of(emu: FusionSolarEmulator) -> str:
    reply = login(emu)
    assert reply.json()["failCode"] == 0
    return reply.headers["xsrf-token"]


# --- sessions -------------------------------------------------------------------------------
def test_login_returns_the_token_in_header_and_cookie(emu):
    reply = login(emu)
    # The 2025 body: a link in `message`; the token only in the header and cookie.
    assert reply.json() == {
        "success": True,
        "data": None,
        "failCode": 0,
        "params": {},
        "message": LOGIN_MESSAGE,
    }
    token = reply.headers["xsrf-token"]
    assert len(token) > 20
    assert reply.headers["Set-Cookie"] == f"XSRF-TOKEN={token}; Path=/; Secure"
    stations = post(emu, "stations", {"pageNo": 1}, token).json()
    assert stations["success"] is True


def test_calls_without_a_token_or_with_an_unknown_one_must_relogin(emu):
    assert post(emu, "stations", {"pageNo": 1}).json() == MUST_RELOGIN
    assert (
        post(emu, "getDevList", {"stationCodes": "NE=12345678"}, "x-forged").json() == MUST_RELOGIN
    )
    assert emu.count("stations", "fail_code") == 1


def test_a_token_expires_after_30_minutes_of_emulator_time(emu, clock):
    token = token_of(emu)
    clock.advance(29 * 60)
    assert post(emu, "stations", {"pageNo": 1}, token).json()["failCode"] == 0
    clock.advance(60)
    assert post(emu, "stations", {"pageNo": 1}, token).json() == MUST_RELOGIN


def test_expire_tokens_ends_every_session(emu):
    token = token_of(emu)
    emu.expire_tokens()
    assert post(emu, "stations", {"pageNo": 1}, token).json() == MUST_RELOGIN


def test_a_new_login_ends_the_earlier_token(emu):
    old, new = token_of(emu), token_of(emu)
    assert old != new
    assert post(emu, "stations", {"pageNo": 1}, old).json() == MUST_RELOGIN
    assert post(emu, "stations", {"pageNo": 1}, new).json()["failCode"] == 0


def test_logout_ends_the_token(emu):
    token = token_of(emu)
    assert post(emu, "logout", {"xsrfToken": token}, token).json()["failCode"] == 0
    assert post(emu, "stations", {"pageNo": 1}, token).json() == MUST_RELOGIN


def test_a_wrong_password_gets_an_empty_body(emu):
    reply = login(emu, password="not-the-password")
    assert reply.status_code == 200
    assert reply.content == b""
    assert "xsrf-token" not in reply.headers
    assert emu.calls[-1].outcome == "wrong_password"


def test_five_wrong_passwords_lock_the_user_for_30_minutes(emu, clock):
    for _ in range(5):
        assert login(emu, password="wrong").content == b""
        clock.advance(60)
    locked = login(emu).json()
    assert locked["failCode"] == 20400
    assert locked["success"] is False
    clock.advance(25 * 60)  # the 10-minute login window has passed; the lock has not
    assert login(emu).json()["failCode"] == 20400
    clock.advance(6 * 60)
    assert login(emu).json()["failCode"] == 0
    assert emu.count("login", "locked") == 2


def test_the_password_can_change_at_huawei(emu):
    user, old = emu.credentials
    emu.set_password("new-code")
    assert emu.credentials == (user, "new-code")
    assert login(emu, password=old).content == b""
    assert login(emu, password="new-code").json()["failCode"] == 0


def test_a_sixth_login_within_10_minutes_is_too_frequent(emu, clock):
    for _ in range(5):
        assert login(emu).json()["failCode"] == 0
        clock.advance(60)
    assert login(emu).json() == TOO_FREQUENT
    assert emu.calls[-1].outcome == "quota"
    clock.advance(5 * 60)  # the first login left the window
    assert login(emu).json()["failCode"] == 0


# --- plants ---------------------------------------------------------------------------------
def test_stations_are_paged_by_100(clock):
    plants = [default_station(f"NE={n}", f"Plant {n}") for n in range(150)]
    with FusionSolarEmulator({"stations": plants, "devices": []}, clock) as emu:
        token = token_of(emu)
        pages = [post(emu, "stations", {"pageNo": n}, token).json()["data"] for n in (1, 2, 3)]
    assert [len(p["list"]) for p in pages] == [100, 50, 0]
    assert {p["pageCount"] for p in pages} == {2}
    assert {p["total"] for p in pages} == {150}
    assert [p["pageNo"] for p in pages] == [1, 2, 3]
    assert pages[0]["list"] + pages[1]["list"] == plants


def test_stations_has_a_daily_cap(emu, clock):
    token = token_of(emu)
    for _ in range(34):  # Roundup(1/100) x 10 + 24
        assert post(emu, "stations", {"pageNo": 1}, token).json()["failCode"] == 0
    assert post(emu, "stations", {"pageNo": 1}, token).json()["failCode"] == 407
    clock.advance(86400)
    token = token_of(emu)
    assert post(emu, "stations", {"pageNo": 1}, token).json()["failCode"] == 0


def test_get_station_list_is_end_of_life(emu):
    token = token_of(emu)
    reply = post(emu, "getStationList", {}, token).json()
    assert reply["failCode"] == 401
    assert reply["success"] is False


def test_unknown_interfaces_are_not_found(emu):
    assert post(emu, "getTheMoon", {}).status_code == 404
    assert emu.calls[-1].outcome == "not_found"


# --- devices --------------------------------------------------------------------------------
def test_dev_list_returns_the_plants_devices_and_echoes_params(emu, clock):
    token = token_of(emu)
    reply = post(emu, "getDevList", {"stationCodes": "NE=12345678"}, token).json()
    assert reply["data"] == default_devices()
    assert reply["params"] == {"currentTime": 1_700_000_000_000, "stationCodes": "NE=12345678"}
    assert post(emu, "getDevList", {"stationCodes": "NE=999"}, token).json()["failCode"] == 20007
    assert post(emu, "getDevList", {"stationCodes": ""}, token).json()["failCode"] == 20010


def kpi(emu, token, ids, type_id):
    return post(
        emu, "getDevRealKpi", {"devIds": ",".join(map(str, ids)), "devTypeId": type_id}, token
    )


def by_type(type_id: int) -> int:
    return next(d["id"] for d in default_devices() if d["devTypeId"] == type_id)


def test_dev_real_kpi_quota_is_a_sliding_5_minute_window_per_device_type(emu, clock):
    token = token_of(emu)
    for type_id in (38, 47, 39):  # inverter, power sensor, battery: 3 calls per 5 minutes
        assert kpi(emu, token, [by_type(type_id)], type_id).json()["failCode"] == 0
        clock.advance(10)
    assert kpi(emu, token, [by_type(38)], 38).json() == TOO_FREQUENT
    clock.advance(300 - 30)  # the first call is now exactly 300 s old
    assert kpi(emu, token, [by_type(38)], 38).json()["failCode"] == 0
    assert kpi(emu, token, [by_type(47)], 47).json()["failCode"] == 407  # 2nd is 290 s old
    assert emu.count("getDevRealKpi", "quota") == 2


def test_calls_rejected_for_the_token_do_not_use_the_quota(emu):
    for _ in range(5):
        assert kpi(emu, "x-stale", [by_type(38)], 38).json() == MUST_RELOGIN
    token = token_of(emu)
    for type_id in (38, 47, 39):
        assert kpi(emu, token, [by_type(type_id)], type_id).json()["failCode"] == 0


def test_more_than_100_device_ids_are_refused(clock):
    inverters = [
        {**default_devices()[1], "id": 5000 + n, "devName": f"Inverter-{n}"} for n in range(101)
    ]
    with FusionSolarEmulator({"devices": inverters}, clock) as emu:
        token = token_of(emu)
        ids = [d["id"] for d in inverters]
        assert kpi(emu, token, ids, 38).json()["failCode"] == 20016
        reply = kpi(emu, token, ids[:100], 38).json()  # 101 inverters: 2 calls per 5 minutes
    assert reply["failCode"] == 0
    assert [item["devId"] for item in reply["data"]] == ids[:100]


def test_devices_of_another_type_or_unknown_ids_are_refused(emu, clock):
    token = token_of(emu)
    assert kpi(emu, token, [by_type(38), by_type(47)], 38).json()["failCode"] == 20006
    clock.advance(300)  # a refused call still counts toward its type's 5 minutes
    assert kpi(emu, token, [123], 38).json()["failCode"] == 20008
    clock.advance(300)
    assert kpi(emu, token, [], 38).json()["failCode"] == 20005


def test_a_second_call_of_the_same_type_within_5_minutes_is_refused(emu, clock):
    token = token_of(emu)
    assert kpi(emu, token, [by_type(38)], 38).json()["failCode"] == 0
    assert kpi(emu, token, [by_type(47)], 47).json()["failCode"] == 0  # another type: fine
    clock.advance(299)
    assert kpi(emu, token, [by_type(38)], 38).json()["failCode"] == 407
    clock.advance(1)
    assert kpi(emu, token, [by_type(38)], 38).json()["failCode"] == 0  # a rolling window
    assert emu.count("getDevRealKpi", "quota") == 1


def test_every_call_is_recorded_with_the_emulator_time(emu, clock):
    token = token_of(emu)
    clock.advance(42)
    post(emu, "stations", {"pageNo": 1}, token)
    last = emu.calls[-1]
    assert (last.interface, last.time, last.outcome, last.http_status) == (
        "stations",
        1_700_000_042.0,
        "ok",
        200,
    )
    assert emu.count() == 2
    assert emu.count("login") == 1
