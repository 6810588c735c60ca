"""The Push API body: how it is built and masked, and how the receiver judges bodies."""

import json
import math

import pytest

from emulator.receivers.chargehq import check_body, parse_push
from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.sinks.chargehq_body import build_body, masked, shown_body

KEY = "0b7c2e4e-1111-4000-8000-00000000abcd"
WORKED_EXAMPLE = SiteMeters(
    production_kw=0.9,
    net_import_kw=0.8,
    consumption_kw=3.2,
    imported_kwh=583.08,
    exported_kwh=322.32,
    battery_discharge_kw=1.5,
    battery_soc=0.62,
    tsms=1_700_000_000_123,
)


def good_body() -> dict:
    return build_body(KEY, site_meters=WORKED_EXAMPLE)


def test_site_meters_body():
    assert good_body() == {
        "apiKey": KEY,
        "siteMeters": {
            "production_kw": 0.9,
            "net_import_kw": 0.8,
            "consumption_kw": 3.2,
            "imported_kwh": 583.08,
            "exported_kwh": 322.32,
            "battery_discharge_kw": 1.5,
            "battery_soc": 0.62,
        },
        "tsms": 1_700_000_000_123,
    }
    assert check_body(good_body(), KEY) == []


def test_numbers_go_as_json_numbers():
    body = build_body(KEY, site_meters=SiteMeters(production_kw=2, tsms=1_700_000_000_000))
    text = json.dumps(body)
    assert '"production_kw": 2.0' in text
    assert '"tsms": 1700000000000' in text


def test_no_tsms_when_unknown():
    body = build_body(KEY, site_meters=SiteMeters(production_kw=1.5))
    assert body == {"apiKey": KEY, "siteMeters": {"production_kw": 1.5}}


def test_error_body_is_one_short_line_without_the_key():
    body = build_body(KEY, error=f"inverter\n  offline;   key {KEY.upper()} " + "x" * 400)
    assert set(body) == {"apiKey", "error"}
    assert body["error"].startswith("inverter offline; key *** xxx")
    assert len(body["error"]) <= 300
    assert KEY.lower() not in body["error"].lower()
    assert check_body(body, KEY) == []


def test_empty_error_still_says_something():
    assert build_body(KEY, error="  ")["error"] == "no readings"


@pytest.mark.parametrize(
    "kwargs", [{}, {"site_meters": WORKED_EXAMPLE, "error": "both"}], ids=["neither", "both"]
)
def test_exactly_one_of_site_meters_or_error(kwargs):
    with pytest.raises(ValueError, match="exactly one"):
        build_body(KEY, **kwargs)


def test_non_finite_site_meters_are_refused():
    with pytest.raises(ValueError, match="finite"):
        build_body(KEY, site_meters=SiteMeters(production_kw=math.inf))


def test_masked_is_a_safe_copy():
    body = good_body()
    shown = masked(body)
    assert shown["apiKey"] == "***"
    assert KEY not in json.dumps(shown)
    shown["siteMeters"]["production_kw"] = 99
    assert body["apiKey"] == KEY
    assert body["siteMeters"]["production_kw"] == 0.9


def test_masked_scrubs_a_key_inside_the_error():
    shown = masked({"apiKey": KEY, "error": f"bad {KEY}"})
    assert shown == {"apiKey": "***", "error": "bad ***"}


# --- the receiver's judgement -------------------------------------------------------------------
def without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


def with_meters(**changes) -> dict:
    body = good_body()
    body["siteMeters"] = {**body["siteMeters"], **changes}
    return body


MALFORMED = {
    "not an object": ([good_body()], "body is not a JSON object"),
    "no apiKey": (without(good_body(), "apiKey"), "apiKey is missing"),
    "apiKey a number": ({**good_body(), "apiKey": 123}, "apiKey must be a string, not a number"),
    "apiKey not a UUID": ({**good_body(), "apiKey": "my-key"}, "apiKey is not UUID-shaped"),
    "unknown top field": ({**good_body(), "apikey": KEY}, "unknown field 'apikey'"),
    "both": ({**good_body(), "error": "x"}, "both siteMeters and error"),
    "neither": ({"apiKey": KEY}, "neither siteMeters nor error"),
    "empty error": ({"apiKey": KEY, "error": ""}, "error must be a non-empty string"),
    "error not text": ({"apiKey": KEY, "error": 5}, "error must be a non-empty string"),
    "tsms float": ({**good_body(), "tsms": 1.7e12}, "tsms must be an integer"),
    "tsms text": ({**good_body(), "tsms": "1700000000000"}, "tsms must be an integer"),
    "tsms seconds": ({**good_body(), "tsms": 1_700_000_000}, "looks like seconds"),
    "tsms bool": ({**good_body(), "tsms": True}, "tsms must be an integer"),
    "siteMeters list": ({"apiKey": KEY, "siteMeters": [1]}, "siteMeters must be an object"),
    "siteMeters empty": ({"apiKey": KEY, "siteMeters": {}}, "siteMeters is empty"),
    "unknown meter": (with_meters(solar_kw=1.0), "unknown field 'siteMeters.solar_kw'"),
    "number as text": (
        with_meters(exported_kwh="322.32"),
        "siteMeters.exported_kwh must be a JSON number, not a string",
    ),
    "boolean": (with_meters(battery_soc=True), "siteMeters.battery_soc must be a JSON number"),
    "null": (
        with_meters(imported_kwh=None),
        "siteMeters.imported_kwh must be a JSON number, not null",
    ),
    "not finite": (with_meters(exported_kwh=math.inf), "siteMeters.exported_kwh must be finite"),
    "soc in percent": (with_meters(battery_soc=62), "battery_soc 62 is not a fraction 0..1"),
    "negative production": (
        with_meters(production_kw=-0.1, consumption_kw=3.0),
        "siteMeters.production_kw is negative",
    ),
    "negative counter": (with_meters(exported_kwh=-1.0), "siteMeters.exported_kwh is negative"),
    "equation broken": (with_meters(consumption_kw=3.3), "power values are inconsistent"),
    "battery in watts": (
        with_meters(battery_discharge_kw=1500.0),
        "power values are inconsistent",
    ),
    "consumption alone": (
        {"apiKey": KEY, "siteMeters": {"production_kw": 1.0, "consumption_kw": 1.0}},
        "consumption_kw without net_import_kw",
    ),
    "net import alone": (
        {"apiKey": KEY, "siteMeters": {"production_kw": 1.0, "net_import_kw": 1.0}},
        "net_import_kw without consumption_kw",
    ),
}


@pytest.mark.parametrize(("body", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_receiver_names_what_is_wrong(body, reason):
    problems = check_body(body, KEY)
    assert any(reason in p for p in problems), problems
    assert KEY not in " ".join(problems)


def test_receiver_refuses_another_sites_key_without_quoting_it():
    other = "0b7c2e4e-2222-4000-8000-00000000abcd"
    problems = check_body(build_body(other, error="x"), KEY)
    assert problems == ["apiKey is not the site's key"]
    assert check_body(build_body(other, error="x")) == []  # no key configured: any UUID


@pytest.mark.parametrize(("consumption", "ok"), [(3.2005, True), (3.1995, True), (3.2006, False)])
def test_power_flow_tolerance_is_half_a_watt(consumption, ok):
    assert (check_body(with_meters(consumption_kw=consumption), KEY) == []) == ok


def test_battery_term_is_optional_in_the_equation():
    body = {
        "apiKey": KEY,
        "siteMeters": {"production_kw": 1, "net_import_kw": -0.5, "consumption_kw": 0.5},
    }
    assert check_body(body, KEY) == []


RAW = {
    "NaN literal": (b'{"apiKey":"k","siteMeters":{"production_kw":NaN}}', "NaN is not JSON"),
    "Infinity": (
        b'{"apiKey":"k","siteMeters":{"production_kw":-Infinity}}',
        "-Infinity is not JSON",
    ),
    "duplicate": (b'{"apiKey":"a","apiKey":"b","error":"x"}', "duplicate field 'apiKey'"),
    "not JSON": (b"apiKey=abc&error=x", "body is not JSON"),
    "empty": (b"", "body is not JSON"),
    "not UTF-8": (b'{"error":"\xff"}', "body is not JSON"),
}


@pytest.mark.parametrize(("raw", "reason"), RAW.values(), ids=RAW.keys())
def test_raw_bodies_that_are_not_strict_json(raw, reason):
    _, problems = parse_push(raw, "application/json")
    assert any(reason in p for p in problems), problems


def test_content_type_must_be_json():
    raw = json.dumps(good_body()).encode()
    assert parse_push(raw, "application/json; charset=utf-8") == (good_body(), [])
    assert parse_push(raw, "text/plain")[1] == ["Content-Type must be application/json"]
    assert parse_push(raw, None)[1] == ["Content-Type must be application/json"]


# The ChargeHQ-shaped body's promises written out: tsms a whole number of milliseconds, a copy
# without a key copied as it is, and the body a run shows (the last line of `make run`, the
# handler's reply): the error told wins, apiKey always ***.

METERS = SiteMeters(production_kw=2.5, net_import_kw=-1.0, consumption_kw=1.5)


def test_tsms_goes_as_a_whole_number_of_milliseconds_whatever_its_type_was():
    read = SiteMeters(production_kw=1.0, tsms=1_700_000_000_123.0)  # type: ignore[arg-type]
    body = build_body("k", site_meters=read)
    assert '"tsms": 1700000000123}' in json.dumps(body)


def test_a_body_without_a_key_is_copied_as_it_is():
    assert masked({"error": "inverter offline"}) == {"error": "inverter offline"}
    assert masked({"apiKey": None, "error": "x"}) == {"apiKey": "***", "error": "x"}


def test_the_shown_body_is_the_error_told_masked():
    assert shown_body(None, "FusionSolar refused the login") == {
        "apiKey": "***",
        "error": "FusionSolar refused the login",
    }
    assert shown_body(METERS, "no battery reading") == {
        "apiKey": "***",
        "error": "no battery reading",
    }


def test_the_shown_body_is_the_site_meters_masked_when_nothing_was_told():
    assert shown_body(METERS, None) == {
        "apiKey": "***",
        "siteMeters": {"production_kw": 2.5, "net_import_kw": -1.0, "consumption_kw": 1.5},
    }
    assert shown_body(None, None) is None
