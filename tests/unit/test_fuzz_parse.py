"""Bad input fuzzing of the FusionSolar reply parser (hypothesis).

Whatever FusionSolar (or something pretending to be it) sends, the parser only ever returns a
result or raises one of its typed errors (BridgeError subclasses), and what it returns is sane:
finite numbers, 64-bit device ids, short messages without secrets.
"""

import json
import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fusioncharge.errors import FusionSolarError
from fusioncharge.fusionsolar import parse, replies
from fusioncharge.models import Plant
from fusioncharge.plant import match as plant_match

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
