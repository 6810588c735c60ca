"""The ChargeHQ receiver over HTTP: what it records, answers and refuses."""

import json

import pytest
import requests

from emulator.clock import FakeClock
from emulator.receivers.chargehq import ChargeHqReceiver

KEY = "0b7c2e4e-0000-4000-8000-000000000042"
GOOD = {"apiKey": KEY, "siteMeters": {"production_kw": 1.2}, "tsms": 1_700_000_000_000}


def post(url: str, body: object = GOOD, **kwargs) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = kwargs.pop("headers", {"Content-Type": "application/json"})
    return requests.post(url, data=data, headers=headers, timeout=2, **kwargs)


def test_records_a_good_push_with_the_clock_time():
    clock = FakeClock(1_234.5)
    with ChargeHqReceiver(api_key=KEY, clock=clock) as rcv:
        reply = post(rcv.url)
    assert reply.status_code == 200
    [push] = rcv.pushes
    assert (push.time, push.status, push.body, push.problems, push.fault) == (
        1_234.5,
        200,
        GOOD,
        [],
        None,
    )
    assert json.loads(push.raw) == GOOD


def test_a_bad_body_is_answered_200_like_the_real_service_but_recorded():
    with ChargeHqReceiver(api_key=KEY) as rcv:
        reply = post(rcv.url, {"apiKey": KEY, "siteMeters": {"production_kw": "1.2"}})
    assert reply.status_code == 200
    assert rcv.pushes[0].problems == [
        "siteMeters.production_kw must be a JSON number, not a string"
    ]


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        ({**GOOD, "apiKey": "0b7c2e4e-0000-4000-8000-000000000043"}, None, "not the site's key"),
        ({"apiKey": KEY, "siteMeters": {"battery_soc": 55}}, None, "not a fraction 0..1"),
        (b'{"apiKey": "x", "error": ', None, "body is not JSON"),
        (GOOD, {"Content-Type": "text/plain"}, "Content-Type must be application/json"),
        (
            {
                "apiKey": KEY,
                "siteMeters": {"production_kw": 1, "net_import_kw": 1, "consumption_kw": 1},
            },
            None,
            "power values are inconsistent",
        ),
    ],
    ids=["other key", "soc percent", "truncated", "content type", "equation"],
)
def test_reject_invalid_answers_400_with_the_reasons(body, headers, reason):
    with ChargeHqReceiver(api_key=KEY, reject_invalid=True) as rcv:
        reply = post(rcv.url, body, **({"headers": headers} if headers else {}))
    assert reply.status_code == 400
    assert any(reason in p for p in reply.json()["problems"])
    assert rcv.pushes[0].status == 400
    assert KEY not in reply.text


def test_reject_invalid_still_accepts_good_bodies():
    with ChargeHqReceiver(api_key=KEY, reject_invalid=True) as rcv:
        assert post(rcv.url).status_code == 200


def test_scheduled_faults_count_pushes_and_ignore_other_interfaces():
    faults = [
        {"interface": "getDevRealKpi", "nth": 1, "kind": "timeout"},
        {"interface": "chargehq", "nth": 2, "kind": "http_500"},
    ]
    with ChargeHqReceiver(faults=faults) as rcv:
        statuses = [post(rcv.url).status_code for _ in range(3)]
    assert statuses == [200, 500, 200]
    assert [p.fault for p in rcv.pushes] == [None, "http_500", None]


def test_a_fault_without_nth_hits_every_push():
    with ChargeHqReceiver(faults=[{"interface": "chargehq", "kind": "http_429"}]) as rcv:
        assert [post(rcv.url).status_code for _ in range(2)] == [429, 429]


def test_fault_next_goes_first_and_once():
    with ChargeHqReceiver(faults=[{"interface": "chargehq", "nth": 1, "kind": "http_500"}]) as rcv:
        rcv.fault_next("http_403_quota")
        assert [post(rcv.url).status_code for _ in range(2)] == [403, 200]


@pytest.mark.parametrize(
    ("kind", "status", "content"),
    [
        ("http_500", 500, b"<html"),
        ("http_429", 429, b"Too Many"),
        ("http_403_quota", 403, b"quotaControl"),
        ("http_401", 401, b"Unauthorized"),
        ("html", 200, b"<!DOCTYPE html>"),
        ("empty_body", 200, b""),
    ],
)
def test_fault_replies(kind, status, content):
    with ChargeHqReceiver() as rcv:
        rcv.fault_next(kind)
        reply = post(rcv.url)
    assert reply.status_code == status
    assert content in reply.content if content else reply.content == b""


def test_truncated_json_reply():
    with ChargeHqReceiver() as rcv:
        rcv.fault_next("truncated_json")
        reply = post(rcv.url)
    with pytest.raises(ValueError):
        json.loads(reply.content)


def test_timeout_holds_the_request_without_a_reply():
    with ChargeHqReceiver(timeout_hold=1.0) as rcv:
        rcv.fault_next("timeout")
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.post(rcv.url, json=GOOD, timeout=0.2)
    assert rcv.pushes[0].status is None


def test_bad_fault_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown chargehq fault kind 'fail_code'"):
        ChargeHqReceiver(faults=[{"interface": "chargehq", "kind": "fail_code", "fail_code": 1}])
    with pytest.raises(ValueError, match="nth"):
        ChargeHqReceiver(faults=[{"interface": "chargehq", "nth": 0, "kind": "http_500"}])
    with pytest.raises(ValueError, match="unknown chargehq fault kind"):
        ChargeHqReceiver().fault_next("slow")


def test_wrong_path_and_method_are_404_and_recorded():
    with ChargeHqReceiver() as rcv:
        base = rcv.url.removesuffix("/api/public/push-solar-data")
        assert post(base + "/api/push").status_code == 404
        assert requests.get(rcv.url, timeout=2).status_code == 404
    assert [p.status for p in rcv.pushes] == [404, 404]
    assert "POST /api/push" in rcv.pushes[0].problems[0]
    assert rcv.pushes[1].problems[0].startswith("GET ")
