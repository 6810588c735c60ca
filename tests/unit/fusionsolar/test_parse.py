"""The FusionSolar reply parser, on real captured replies and on junk."""

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fusioncharge.errors import (
    FusionSolarError,
    FusionSolarUnavailable,
    PlantNotFound,
    QuotaExceeded,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar import parse, replies
from fusioncharge.models import Plant
from fusioncharge.plant import match as plant_match
from fusioncharge.plant.match import PlantNames

# tests/fixtures/fusionsolar-responses: real, anonymised replies.
CAPTURED = Path(__file__).resolve().parents[2] / "fixtures" / "fusionsolar-responses"


def captured(name: str) -> dict:
    return replies.decode_envelope("test", 200, (CAPTURED / name).read_bytes())


# --- real captured replies --------------------------------------------------------------
def test_captured_inverter_reading():
    envelope = captured("getDevRealKpi-1-string-inverter.json")
    [reading] = parse.readings(envelope, 1)
    assert reading.device_id == 1000000035436846
    assert reading.type_id == 1
    assert reading.get("active_power") == 0.18
    assert reading.get("mppt_power") == 0.18
    assert reading.get("inverter_state") == 512
    assert reading.get("day_cap") == 1.48
    assert reading.time_ms == 1665646198532
    assert "close_time" in reading.unknown  # "N/A"
    assert reading.get("close_time") is None
    assert reading.unknown == {"close_time"}


def test_captured_power_sensor_reading():
    [reading] = parse.readings(captured("getDevRealKpi-47-power-sensor.json"), 47)
    assert reading.get("active_power") == 1537
    assert reading.get("meter_status") == 1
    assert reading.get("active_cap") == 322.32
    assert reading.get("reverse_active_cap") == 583.08
    assert reading.unknown == frozenset()


def test_captured_battery_reading():
    [reading] = parse.readings(captured("getDevRealKpi-39-battery.json"), 39)
    assert reading.get("battery_soc") == 100
    assert reading.get("ch_discharge_power") == 0
    assert reading.get("battery_status") == 2
    assert reading.time_ms == 1663862845954


def test_captured_dongle_has_no_values():
    [reading] = parse.readings(captured("getDevRealKpi-62-dongle.json"), 62)
    assert reading.values == {} and reading.unknown == frozenset()


def test_captured_device_list():
    devices = parse.devices(captured("getDevList.json")["data"])
    assert [(d.name, d.type_id) for d in devices] == [
        ("Dongle-1", 62),
        ("Inverter-1", 1),
        ("Battery-1", 39),
        ("Meter-1", 47),
    ]
    assert devices[1].id == 1000000035436846
    assert {d.plant_code for d in devices} == {"NE=35436844"}


def test_captured_stations_page():
    plants, pages = parse.plants_page(captured("stations.json")["data"])
    # anonymised, but well-formed: the capacity and the grid connection date (its offset is
    # the plant's zone when PLANT_TIMEZONE is not set) are kept, empty coordinates are not
    assert plants == [Plant("", "", 18.0, None, None, "2023-03-31T09:56:55+01:00")]
    assert pages == 1


def test_public_stations_page_gives_capacity_and_coordinates():
    path = Path(__file__).resolve().parents[2] / "fixtures" / "public-captures"
    text = (path / "stations-pyhfs-fixture.json").read_text(encoding="utf-8")
    plants, _ = parse.plants_page(json.loads(text)["data"])
    assert [(p.capacity_kwp, p.latitude, p.longitude) for p in plants] == [
        (25.8, 5.9337, 45.7236),  # swapped, as published: sun.py tells
        (98.7, 5.8927, 45.7022),
    ]


@pytest.mark.parametrize(
    ("item", "capacity", "lat"),
    [
        ({"capacity": "N/A", "latitude": 91.0}, None, 91.0),
        ({"capacity": -1, "latitude": "x"}, None, None),
        ({"capacity": 1e9, "latitude": 1e9}, None, None),
        ({"capacity": "6.6", "latitude": "-33.8688"}, 6.6, -33.8688),
        ({"capacity": 0.005, "latitude": 0}, 0.005, 0.0),  # MWp: kept, the accounting names it
        ({"capacity": 0.0004, "latitude": 0}, None, 0.0),  # 0 as the state keeps it
    ],
)
def test_plant_facts_that_are_not_plausible_are_left_out(item, capacity, lat):
    plants, _ = parse.plants_page({"list": [{"plantCode": "NE=1", **item}]})
    assert (plants[0].capacity_kwp, plants[0].latitude) == (capacity, lat)


def test_captured_errors_map_to_their_types():
    quota = captured("error-407-access-frequency-too-high.json")
    assert replies.fail_code(quota) == 407
    assert isinstance(replies.fail_code_error("getDevRealKpi", 407, quota), QuotaExceeded)
    assert replies.fail_code(captured("error-305-must-relogin.json")) == 305
    body = (CAPTURED / "error-http-403-quota-control.json").read_bytes()
    error = replies.status_error("stations", 403, body)
    assert isinstance(error, QuotaExceeded)
    assert "quotaControl" in str(error)


# --- values ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1, 1.0),
        (-2.5, -2.5),
        ("3.25", 3.25),
        (" -4 ", -4.0),
        ("1e3", 1000.0),
        (0, 0.0),
        (10**400, None),  # too big for a float
        ("1e999", None),
        ("NaN", None),
        ("nan", None),
        ("Infinity", None),
        ("-inf", None),
        (float("nan"), None),
        (float("inf"), None),
        ("N/A", None),
        ("", None),
        ("1_000", None),  # Python-only spelling, not a number in JSON
        ("0x10", None),
        (None, None),
        (True, None),
        (False, None),
        ([1], None),
        ({"v": 1}, None),
    ],
)
def test_number(raw, expected):
    assert parse.number(raw) == expected


def test_reading_sorts_values_from_unknowns():
    reading = parse.reading(
        7,
        38,
        {
            "active_power": "2.5",
            "a": None,
            "b": "N/A",
            "c": "NaN",
            "d": True,
            "e": {"x": 1},
            "f": [],
            "g": 3,
        },
        None,
    )
    assert reading.values == {"active_power": 2.5, "g": 3.0}
    assert reading.unknown == {"a", "b", "c", "d", "e", "f"}
    assert all(math.isfinite(v) for v in reading.values.values())


@pytest.mark.parametrize("items", [None, "junk", [1, 2], 5])
def test_reading_without_a_map_has_no_values(items):
    reading = parse.reading(1, 1, items, 5)
    assert reading.values == {} and reading.unknown == frozenset()


# --- ids ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1000000035436846, 1000000035436846),
        ("1000000035436846", 1000000035436846),
        (-9223372036854775808, -9223372036854775808),
        ("-1234567890123456789", -1234567890123456789),
        (18446744073709551615, 18446744073709551615),
        (18446744073709551616, None),  # beyond 64 bits
        (12.0, 12),
        (1.5, None),
        (1e17, None),  # a float this big has already lost digits
        ("12a", None),
        (None, None),
        (True, None),
    ],
)
def test_device_id(raw, expected):
    assert parse.device_id(raw) == expected


def test_readings_with_string_and_negative_ids_and_junk_items():
    envelope = {
        "success": True,
        "failCode": 0,
        "data": [
            {"devId": "-5", "dataItemMap": {"active_power": 1}},
            {"devId": -6, "dataItemMap": {"active_power": "2"}},
            {"devId": None, "dataItemMap": {}},
            "junk",
            {"dataItemMap": {"active_power": 3}},
        ],
        "params": {"currentTime": "1700000000000"},
    }
    readings = parse.readings(envelope, 38)
    assert [(r.device_id, r.get("active_power")) for r in readings] == [(-5, 1.0), (-6, 2.0)]
    assert {r.time_ms for r in readings} == {1700000000000}


def test_readings_with_data_null_are_none_not_an_error():
    # 2024-2026: success true with data null when the account may not read the devices.
    assert parse.readings({"success": True, "failCode": 0, "data": None}, 39) == []


@pytest.mark.parametrize("data", [{}, "x", 3])
def test_readings_without_a_list_is_unexpected(data):
    with pytest.raises(UnexpectedResponse):
        parse.readings({"success": True, "failCode": 0, "data": data}, 1)


def test_devices_skip_unusable_items():
    data = [
        {"id": "-77", "devTypeId": "38", "devName": "Inv", "stationCode": "NE=1"},
        {"id": None, "devTypeId": 1},
        {"id": 5, "devTypeId": "x"},
        {"id": 6, "devTypeId": 47, "devName": None},
        7,
    ]
    devices = parse.devices(data)
    assert [(d.id, d.type_id, d.name, d.plant_code) for d in devices] == [
        (-77, 38, "Inv", "NE=1"),
        (6, 47, "6", ""),
    ]
    with pytest.raises(UnexpectedResponse):
        parse.devices({"list": []})


# --- envelopes ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty body"),
        (b"  \n", "empty body"),
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "HTML page"),
        (b'{"success": true, "data": [{"devId": 1, "dataIt', "not JSON"),
        (b"[" * 100_000, "not JSON"),  # deep nesting must not crash the parser
    ],
)
def test_bad_bodies_are_unavailable(raw, words):
    with pytest.raises(FusionSolarUnavailable, match=words) as caught:
        replies.decode_envelope("getDevRealKpi", 200, raw)
    assert "getDevRealKpi" in str(caught.value)


def test_json_that_is_not_an_object_is_unexpected():
    with pytest.raises(UnexpectedResponse):
        replies.decode_envelope("stations", 200, b"[1, 2]")


@pytest.mark.parametrize(
    ("envelope", "code"),
    [
        ({"success": True, "failCode": 0}, 0),
        ({"success": True}, 0),
        ({"failCode": "305"}, 305),
        ({"success": False}, -1),
        ({}, -1),
        ({"failCode": None, "success": "yes"}, -1),
    ],
)
def test_fail_code(envelope, code):
    assert replies.fail_code(envelope) == code


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (407, QuotaExceeded),
        (20618, QuotaExceeded),
        (20004, FusionSolarUnavailable),
        (20200, FusionSolarUnavailable),
        (401, UnexpectedResponse),
        (12345, UnexpectedResponse),
        (-1, UnexpectedResponse),
    ],
)
def test_fail_code_errors(code, error):
    found = replies.fail_code_error("stations", code, {"failCode": code, "message": "m"})
    assert type(found) is error
    assert str(code) in str(found)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (200, None),
        (403, QuotaExceeded),
        (429, QuotaExceeded),
        (500, FusionSolarUnavailable),
        (503, FusionSolarUnavailable),
        (404, UnexpectedResponse),
        (401, UnexpectedResponse),
        (302, UnexpectedResponse),
    ],
)
def test_status_errors(status, error):
    found = replies.status_error("getDevList", status, b"<p>oops</p>")
    assert (None if found is None else type(found)) is error
    if found is not None:
        assert f"HTTP {status}" in str(found) and "oops" in str(found)


def test_excerpt_is_short_single_line_and_masks_secrets():
    raw = b"<html>\n<b>token s3cr3t-tok</b>\tpassword hunter22\x00" + b"x" * 1000
    shown = replies.excerpt(raw, ["s3cr3t-tok", "hunter22", ""])
    assert len(shown) <= replies.EXCERPT_CHARS
    assert "s3cr3t" not in shown and "hunter22" not in shown
    assert "\n" not in shown and "\x00" not in shown and "<b>" not in shown
    assert shown.startswith("token *** password ***")


def test_excerpt_masks_a_secret_split_by_a_tag_boundary_late_in_the_body():
    raw = b" " * 5000 + b"<i>hunter22</i>"
    assert "hunter22" not in replies.excerpt(raw, ["hunter22"])


def test_error_messages_never_hold_a_secret():
    envelope = {"failCode": 12345, "message": "bad token abc-TOKEN-123 for pw hunter22"}
    error = replies.fail_code_error("getDevList", 12345, envelope, ["abc-TOKEN-123", "hunter22"])
    assert "abc-TOKEN-123" not in str(error) and "hunter22" not in str(error)


# --- plants --------------------------------------------------------------------------------
PLANTS = [
    Plant("NE=1", "Home"),
    Plant("NE=2", " Holiday House "),
    Plant("NE=3", "home"),
    Plant("NE=4", "Barn"),
    Plant("NE=5", "Barn"),
]


@pytest.mark.parametrize(
    ("station", "code"),
    [
        ("NE=4", "NE=4"),  # code first
        ("Home", "NE=1"),  # exact name beats the case-insensitive one
        ("home", "NE=3"),
        ("holiday house", "NE=2"),
        ("  HOLIDAY HOUSE", "NE=2"),
    ],
)
def test_match_plant(station, code):
    assert plant_match.match_plant(station, PLANTS).code == code


def test_plant_not_found_lists_the_plants():
    with pytest.raises(PlantNotFound) as caught:
        plant_match.match_plant("Cottage", PLANTS)
    message = str(caught.value)
    assert "'Cottage'" in message
    for plant in PLANTS:
        assert plant.code in message
    assert "Holiday House" in message


def test_ambiguous_names_ask_for_the_code():
    with pytest.raises(PlantNotFound, match=r"NE=4.*NE=5"):
        plant_match.match_plant("Barn", PLANTS)


@pytest.mark.parametrize("station", ["", "   "])
def test_empty_station_never_matches_an_anonymous_plant(station):
    with pytest.raises(PlantNotFound):
        plant_match.match_plant(station, [Plant("", "")])


@pytest.mark.parametrize(
    ("station", "codes"),
    [
        ("Home", ["NE=1"]),  # one plant: as before
        ("Home,NE=4", ["NE=1", "NE=4"]),
        (" holiday house , Home ", ["NE=2", "NE=1"]),  # in STATION's order
        ("Smith, Jones", ["NE=9"]),  # a plant whose name holds a comma is one plant
        ("Home,", ["NE=1"]),
    ],
)
def test_match_plants(station, codes):
    plants = [*PLANTS, Plant("NE=9", "Smith, Jones")]
    assert [p.code for p in plant_match.match_plants(station, plants)] == codes


def test_a_part_not_found_is_named_with_the_plants_to_choose_from():
    with pytest.raises(PlantNotFound) as caught:
        plant_match.match_plants("Home,Cottage", PLANTS)
    message = str(caught.value)
    assert "'Cottage' in STATION 'Home,Cottage' matches no plant" in message
    assert "comma-separated" in message and "NE=4" in message


@pytest.mark.parametrize("station", ["Home,NE=1", "Barn,Home"])
def test_a_plant_named_twice_or_ambiguous_is_refused(station):
    with pytest.raises(PlantNotFound, match=r"twice|NE=4.*NE=5"):
        plant_match.match_plants(station, PLANTS)


def test_meter_plants_match_among_the_stations_plants():
    chosen = [Plant("NE=1", "Home"), Plant("NE=4", "Barn")]
    among = "of those STATION names"
    meters = PlantNames("METER_PLANTS", "barn")
    assert plant_match.match_plants(meters, chosen, among) == [chosen[1]]
    with pytest.raises(PlantNotFound, match=r"'Cottage' in METER_PLANTS .* of those STATION"):
        plant_match.match_plants(PlantNames("METER_PLANTS", "Barn,Cottage"), chosen, among)


def test_meter_plants_is_never_read_as_one_name_holding_a_comma():
    plants = [Plant("NE=9", "Smith, Jones"), Plant("NE=1", "Smith")]
    assert plant_match.match_plants("Smith, Jones", plants) == [plants[0]]  # STATION
    with pytest.raises(PlantNotFound, match=r"'Jones' in METER_PLANTS"):
        plant_match.match_plants(PlantNames("METER_PLANTS", "Smith, Jones"), plants)


@pytest.mark.parametrize(
    ("model", "kwh"),
    [
        ("LUNA2000-10-S0", 10.0),
        ("LUNA2000-7-S1", 7.0),
        ("luna2000-15-s0", 15.0),
        (None, None),  # as real getDevList replies send it
        ("LUNA2000", None),
        ("SUN2000-10KTL-M1", None),
        (5, None),
    ],
)
def test_battery_capacity_from_its_model(model, kwh):
    item = {"id": 7, "devTypeId": 39, "invType": model, "stationCode": "NE=1"}
    assert parse.devices([item])[0].capacity_kwh == kwh
    assert parse.devices([{**item, "devTypeId": 38}])[0].capacity_kwh is None


def test_plants_page_skips_junk_and_reads_page_count():
    data = {
        "list": [{"plantCode": "NE=1", "plantName": None}, {"plantName": "x"}, "junk"],
        "pageCount": "3",
    }
    assert parse.plants_page(data) == ([Plant("NE=1", "")], 3)
    assert parse.plants_page({"list": []}) == ([], 1)
    with pytest.raises(UnexpectedResponse):
        parse.plants_page({"pageCount": 1})


def test_a_login_failcode_reads_plainly_and_never_quotes_the_reply():
    envelope = {"failCode": 12345, "message": "echo hunter22", "success": False}
    said = str(replies.fail_code_error("login", 12345, envelope, ["hunter22"]))
    assert said.startswith("FusionSolar login answered failCode 12345: not understood")
    assert "((" not in said and "echo" not in said
    quota = str(replies.fail_code_error("login", 407, {"failCode": 407}))
    assert quota.startswith("FusionSolar login answered failCode 407: too many calls")


# Bad input fuzzing of the FusionSolar reply parser (hypothesis).
#
# Whatever FusionSolar (or something pretending to be it) sends, the parser only ever returns a
# result or raises one of its typed errors (BridgeError subclasses), and what it returns is sane:
# finite numbers, 64-bit device ids, short messages without secrets.

SECRET = "Fuzz-Sys-C0de-3141"
TOKEN = "x-0123456789abcdef0123456789abcdef"
INTERFACES = st.sampled_from(["login", "stations", "getDevList", "getDevRealKpi"])

# Values FusionSolar really sends (numbers, numeric strings, null, "N/A") and what a broken
# or hostile server might: NaN/Infinity spellings, huge and negative numbers, wrong types.
odd_strings = st.sampled_from(
    ["N/A", "NaN", "nan", "Infinity", "-Infinity", "inf", "1e400", "-1e400", "", " ", "0x10"]
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, odd_strings, st.text(max_size=30))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)
kpi_keys = st.sampled_from(
    ["active_power", "inverter_state", "battery_soc", "ch_discharge_power", "meter_status"]
)
item_maps = st.one_of(json_values, st.dictionaries(kpi_keys, scalars, max_size=5))
reading_items = st.one_of(
    json_values,
    st.fixed_dictionaries({"devId": st.one_of(numbers, json_values), "dataItemMap": item_maps}),
)
envelopes = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "success": st.one_of(st.booleans(), json_values),
            "failCode": st.one_of(st.sampled_from([0, 305, 407, 20006, 20400]), json_values),
            "message": json_values,
            "data": st.one_of(
                st.lists(reading_items, max_size=6),
                st.fixed_dictionaries({"list": json_values, "pageCount": json_values}),
                json_values,
            ),
            "params": st.one_of(st.fixed_dictionaries({"currentTime": numbers}), json_values),
        },
    ),
)


def deep(levels: int) -> bytes:
    return b'{"data":' * levels + b"1" + b"}" * levels


def reply_bytes() -> st.SearchStrategy[bytes]:
    encoded = envelopes.map(lambda v: json.dumps(v, allow_nan=True).encode())
    return st.one_of(
        st.binary(max_size=300),  # anything, non-UTF-8 included
        encoded,
        encoded.map(lambda raw: raw[: len(raw) // 2]),  # truncated
        encoded.map(lambda raw: b"\xff\xfe" + raw),  # a byte-order mark of the wrong kind
        st.integers(1, 200_000).map(lambda n: b"[" * n),  # deep nesting, unterminated
        st.integers(1, 5_000).map(deep),
        st.text(max_size=200).map(lambda t: f"<html><body>{t}</body></html>".encode()),
    )


def assert_typed(exc: BaseException) -> None:
    assert isinstance(exc, FusionSolarError), f"untyped {type(exc).__name__}: {exc}"
    message = str(exc)
    assert SECRET not in message and TOKEN not in message
    assert len(message) < 1_000


def parse_everything(interface: str, status: int, raw: bytes) -> None:
    """What the client does with a reply: status, envelope, failCode, then the data."""
    secrets = [SECRET, TOKEN]
    error = replies.status_error(interface, status, raw, secrets)
    if error is not None:
        assert_typed(error)
        return
    envelope = replies.decode_envelope(interface, status, raw, secrets)
    code = replies.fail_code(envelope)
    assert isinstance(code, int)
    if code != 0:
        assert_typed(replies.fail_code_error(interface, code, envelope, secrets))
    check_data(envelope)


def check_data(envelope: dict) -> None:
    data = envelope.get("data")
    for call in (
        lambda: parse.plants_page(data),
        lambda: parse.devices(data),
        lambda: parse.readings(envelope, 38),
    ):
        try:
            result = call()
        except FusionSolarError as exc:
            assert_typed(exc)
            continue
        check_result(result)


def check_result(result: object) -> None:
    if isinstance(result, tuple):  # plants_page: (plants, pages)
        plants, pages = result
        assert pages >= 1 and all(isinstance(p, Plant) for p in plants)
        return
    for item in result:
        device_id = getattr(item, "device_id", getattr(item, "id", None))
        assert isinstance(device_id, int) and -(2**63) <= device_id <= 2**64 - 1
        for value in getattr(item, "values", {}).values():
            assert isinstance(value, float) and math.isfinite(value)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    interface=INTERFACES, status=st.sampled_from([200, 200, 200, 403, 429, 500]), raw=reply_bytes()
)
@example(interface="getDevRealKpi", status=200, raw=b'{"failCode":0,"success":true,"data":NaN}')
@example(interface="login", status=200, raw=b"\x80\x81\xfe" * 10)
@example(interface="stations", status=200, raw=f"<p>{SECRET} {TOKEN}</p>".encode())
def test_any_reply_gives_a_result_or_a_typed_error(interface: str, status: int, raw: bytes):
    try:
        parse_everything(interface, status, raw)
    except FusionSolarError as exc:
        assert_typed(exc)


@settings(max_examples=300, deadline=None)
@given(envelope=envelopes)
def test_any_decoded_envelope_gives_a_result_or_a_typed_error(envelope):
    if not isinstance(envelope, dict):
        return  # decode_envelope refuses those (covered above)
    try:
        code = replies.fail_code(envelope)
        if code != 0:
            assert_typed(replies.fail_code_error("getDevRealKpi", code, envelope, [SECRET]))
        check_data(envelope)
    except FusionSolarError as exc:
        assert_typed(exc)


@given(value=st.one_of(numbers, json_values))
def test_numbers_are_finite_floats_or_unknown(value):
    number = parse.number(value)
    assert number is None or (isinstance(number, float) and math.isfinite(number))
    integer = parse.as_int(value)
    assert integer is None or (isinstance(integer, int) and not isinstance(integer, bool))
    device = parse.device_id(value)
    assert device is None or -(2**63) <= device <= 2**64 - 1


@given(station=st.text(max_size=40), names=st.lists(st.text(max_size=10), max_size=30))
def test_a_station_names_one_plant_or_raises_typed(station, names):
    plants = [Plant(code=f"NE={i}", name=name) for i, name in enumerate(names)]
    try:
        found = plant_match.match_plant(station, plants)
    except FusionSolarError as exc:
        assert_typed(exc)
        return
    assert found in plants


@given(raw=st.binary(max_size=2_000), cut=st.integers(0, 40))
def test_excerpt_is_short_printable_and_masks_secrets(raw, cut):
    # A secret anywhere in the body, even split by markup or control bytes, never shows.
    text = raw[:cut] + SECRET.encode() + raw[cut:] + TOKEN.encode()
    shown = replies.excerpt(text, [SECRET, TOKEN])
    assert SECRET not in shown and TOKEN not in shown
    assert len(shown) <= replies.EXCERPT_CHARS and shown.isprintable()


def test_an_absurd_fail_code_still_gives_a_short_message():
    raw = b'{"failCode":' + b"7" * 4_300 + b"}"  # the longest integer Python's json accepts
    envelope = replies.decode_envelope("login", 200, raw)
    assert_typed(replies.fail_code_error("login", replies.fail_code(envelope), envelope))


def test_a_megabyte_body_is_refused_as_typed_without_crashing():
    for raw in (
        b'{"data":[' + b'{"devId":1,"dataItemMap":{"active_power":"N/A"}},' * 20_000 + b"1]}",
        b"<html>" + b"x" * (1 << 20) + b"</html>",
        b'{"failCode": 0, "data": "' + b"\xff" * (1 << 20) + b'"}',
        b"[" * (1 << 20),
    ):
        try:
            parse_everything("getDevRealKpi", 200, raw)
        except FusionSolarError as exc:
            assert_typed(exc)
