"""Every fault kind the emulator serves, scripted by scenario or by fault_next()."""

import json
import threading

import pytest
import requests

from emulator.clock import FakeClock
from emulator.faults import QUOTA_CONTROL_BODY
from emulator.fusionsolar.scenario import ScenarioError
from emulator.fusionsolar.server import FusionSolarEmulator
from emulator.httpserve import LoopbackServer, Reply, Request

STATIONS = {"pageNo": 1}


@pytest.fixture
def emu():
    with FusionSolarEmulator(clock=FakeClock(), timeout_hold=1.0) as emu:
        yield emu


def call(emu, interface: str, body: dict, token: str | None = None, timeout: float = 5):
    headers = {"XSRF-TOKEN": token} if token else {}
    return requests.post(
        f"{emu.base_url}/thirdData/{interface}", json=body, headers=headers, timeout=timeout
    )


def login(emu) -> str:
    user, code = emu.credentials
    return call(emu, "login", {"userName": user, "systemCode": code}).headers["xsrf-token"]


@pytest.mark.parametrize(
    ("kind", "status"),
    [("http_500", 500), ("http_429", 429), ("http_403_quota", 403), ("html", 200)],
)
def test_http_faults_answer_with_the_status_and_no_json_envelope(emu, kind, status):
    token = login(emu)
    emu.fault_next("stations", kind)
    reply = call(emu, "stations", STATIONS, token)
    assert reply.status_code == status
    assert "failCode" not in reply.text
    assert emu.calls[-1].outcome == f"fault:{kind}"
    assert emu.calls[-1].http_status == status
    assert call(emu, "stations", STATIONS, token).json()["failCode"] == 0  # one call only


def test_quota_control_is_the_real_gateway_body(emu):
    emu.fault_next("getDevRealKpi", "http_403_quota")
    assert call(emu, "getDevRealKpi", {}).json() == QUOTA_CONTROL_BODY


def test_html_fault_is_an_html_page(emu):
    emu.fault_next("login", "html")
    reply = call(emu, "login", {})
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.text.lstrip().startswith("<!DOCTYPE html>")


def test_empty_body_fault(emu):
    emu.fault_next("stations", "empty_body")
    reply = call(emu, "stations", STATIONS)
    assert (reply.status_code, reply.content) == (200, b"")


def test_truncated_json_fault_is_cut_in_the_middle(emu):
    emu.fault_next("getDevList", "truncated_json")
    reply = call(emu, "getDevList", {"stationCodes": "NE=12345678"})
    assert reply.status_code == 200
    assert reply.text.startswith("{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.text)


def test_timeout_fault_holds_the_request_without_a_reply(emu):
    emu.fault_next("getDevRealKpi", "timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        call(emu, "getDevRealKpi", {}, timeout=0.2)
    assert emu.calls[-1].outcome == "fault:timeout"
    assert emu.calls[-1].http_status is None


def test_timeout_fault_closes_the_connection_after_the_hold():
    with FusionSolarEmulator(clock=FakeClock(), timeout_hold=0.2) as emu:
        emu.fault_next("login", "timeout")  # the client waits longer than the hold
        with pytest.raises(requests.exceptions.ConnectionError):
            call(emu, "login", {}, timeout=3)


def test_fail_code_fault_is_an_http_200_failure_envelope(emu):
    token = login(emu)
    emu.fault_next("stations", "fail_code", fail_code=20004)
    reply = call(emu, "stations", STATIONS, token)
    body = reply.json()
    assert reply.status_code == 200
    assert (body["success"], body["failCode"], body["data"]) == (False, 20004, None)
    assert body["message"]
    assert (emu.calls[-1].outcome, emu.calls[-1].fail_code) == ("fail_code", 20004)


def test_fail_code_305_is_the_observed_body(emu):
    emu.fault_next("getDevList", "fail_code", fail_code=305)
    body = call(emu, "getDevList", {}).json()
    assert body == {"failCode": 305, "immediately": True, "message": "USER_MUST_RELOGIN"}


def test_scenario_faults_hit_the_nth_call_or_every_call():
    scenario = {
        "faults": [
            {"interface": "login", "nth": 2, "kind": "http_500"},
            {"interface": "getStationList", "kind": "fail_code", "fail_code": 407},
        ]
    }
    with FusionSolarEmulator(scenario, FakeClock()) as emu:
        user, code = emu.credentials
        statuses = [
            call(emu, "login", {"userName": user, "systemCode": code}).status_code for _ in range(3)
        ]
        list_codes = [call(emu, "getStationList", {}).json()["failCode"] for _ in range(2)]
    assert statuses == [200, 500, 200]
    assert list_codes == [407, 407]
    assert emu.count("login", "fault:http_500") == 1


def test_a_fault_does_not_use_the_quota(emu):
    token = login(emu)
    emu.fault_next("getDevRealKpi", "http_500")
    call(emu, "getDevRealKpi", {"devIds": "1", "devTypeId": 38}, token)
    ids = {38: 1000000012345602, 47: 1000000012345603, 39: 1000000012345604}
    codes = [
        call(emu, "getDevRealKpi", {"devIds": str(i), "devTypeId": t}, token).json()["failCode"]
        for t, i in ids.items()
    ]
    assert codes == [0, 0, 0]


def test_unknown_fault_kinds_are_refused(emu):
    with pytest.raises(ValueError, match="fault kind"):
        emu.fault_next("login", "gremlins")
    with pytest.raises(ScenarioError, match="kind"):
        FusionSolarEmulator({"faults": [{"interface": "login", "kind": "gremlins"}]})


def test_stop_releases_a_held_request_at_once():
    emu = FusionSolarEmulator(clock=FakeClock(), timeout_hold=30.0).start()
    emu.fault_next("stations", "timeout")
    stopper = threading.Timer(0.1, emu.stop)
    stopper.start()
    try:
        with pytest.raises(requests.exceptions.ConnectionError):
            call(emu, "stations", STATIONS, timeout=3)  # a hold not released would time out
    finally:
        stopper.join()
        emu.stop()


def test_a_bug_in_a_handler_is_a_loud_500_not_a_dropped_line(capsys):
    def broken(request: Request) -> Reply:
        raise RuntimeError("boom")

    with LoopbackServer(broken) as server:
        reply = requests.post(f"{server.base_url}/x", timeout=5)
    assert reply.status_code == 500
    assert "emulator bug" in reply.text
    assert "RuntimeError: boom" in capsys.readouterr().err
