"""The PVOutput stand-in answers as PVOutput documents: each rule with its own error text."""

from zoneinfo import ZoneInfo

import pytest
import requests

from emulator.clock import FakeClock
from emulator.receivers.hass import HassWebhook
from emulator.receivers.pvoutput import PvOutputReceiver

KEY, SYSTEM = "a" * 40, "4242"
NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC = 2023-11-15 09:13 in Sydney
GOOD = {"d": "20231115", "t": "09:10", "v2": "2400", "v4": "800"}


@pytest.fixture
def receiver():
    with PvOutputReceiver(
        KEY, SYSTEM, zone=ZoneInfo("Australia/Sydney"), clock=FakeClock(NOW), limit=3
    ) as rcv:
        yield rcv


def _post(rcv, form, key=KEY, system=SYSTEM):
    headers = {"X-Pvoutput-Apikey": key, "X-Pvoutput-SystemId": system}
    return requests.post(rcv.url, data=form, headers=headers, timeout=5)


def test_a_good_status_is_added_with_the_rate_limit_headers(receiver):
    reply = _post(receiver, GOOD)
    assert (reply.status_code, reply.text) == (200, "OK 200: Added Status")
    assert reply.headers["X-Rate-Limit-Remaining"] == "2"
    assert reply.headers["X-Rate-Limit-Limit"] == "3"
    assert int(reply.headers["X-Rate-Limit-Reset"]) == int(NOW + 3600)


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"key": "b" * 40}, 401, "Unauthorized 401: Invalid API Key"),
        ({"system": "1"}, 401, "Unauthorized 401: Invalid System ID"),
        ({"form": {**GOOD, "v2": "2.4"}}, 400, "Bad request 400: Invalid power value [v2]"),
        ({"form": {**GOOD, "v2": "-5"}}, 400, "Bad request 400: Invalid power value [v2]"),
        ({"form": {**GOOD, "v1": "1e3"}}, 400, "Bad request 400: Invalid energy value [v1]"),
        ({"form": {"d": "20231115", "t": "09:10"}}, 400, "No status data [v1,v2,v3,v4]"),
        ({"form": {**GOOD, "d": "2023-11-15"}}, 400, "Invalid date format [d]"),
        ({"form": {**GOOD, "t": "9:10"}}, 400, "Invalid time format [t]"),
        ({"form": {**GOOD, "t": "10:10"}}, 400, f"Date is in the future [{GOOD['d']}]"),
        ({"form": {**GOOD, "d": "20231030"}}, 400, "Date is older than 14 days [20231030]"),
        ({"form": {**GOOD, "t": "09:12"}}, 400, "5-minute status interval [t]"),
        ({"form": {**GOOD, "n": "1"}}, 400, "Donation mode required [n]"),
        ({"form": {**GOOD, "b1": "5"}}, 400, "Donation mode required [b1]"),
    ],
)
def test_each_rule_is_enforced_with_pvoutputs_error(receiver, change, status, text):
    reply = _post(
        receiver, change.get("form", GOOD), change.get("key", KEY), change.get("system", SYSTEM)
    )
    assert reply.status_code == status
    assert text in reply.text


def test_the_hourly_limit_answers_403_until_it_resets(receiver):
    assert [_post(receiver, GOOD).status_code for _ in range(3)] == [200, 200, 200]
    refused = _post(receiver, GOOD)
    assert (refused.status_code, refused.text) == (
        403,
        "Forbidden 403: Exceeded number requests per hour",
    )
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    receiver.clock.advance(3600)
    assert _post(receiver, {**GOOD, "d": "20231115", "t": "10:10"}).status_code == 200


def test_the_hass_stand_in_answers_200_to_any_webhook_id_and_keeps_only_its_own():
    with HassWebhook("the-id") as hass:
        assert requests.post(hass.url, json={"production_kw": 1.0}, timeout=5).status_code == 200
        wrong = hass.url.replace("the-id", "other")
        assert requests.post(wrong, json={"production_kw": 2.0}, timeout=5).status_code == 200
        assert hass.received == [{"production_kw": 1.0}]


def test_a_status_in_a_slot_it_holds_replaces_the_one_there(receiver):
    assert _post(receiver, GOOD).status_code == 200
    assert _post(receiver, {**GOOD, "t": "09:05"}).status_code == 200
    assert receiver.overwritten == []
    assert _post(receiver, {**GOOD, "v2": "100"}).status_code == 200
    assert receiver.overwritten == [("20231115", "09:10")]
    assert list(receiver.day("20231115")) == ["09:05", "09:10"]
    assert receiver.day("20231115")["09:10"]["v2"] == "100"  # the later one is kept
