"""State: compact JSON round trips, and anything else is refused with StateError."""

import json
import os
import stat
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusioncharge.errors import StateError
from fusioncharge.fusionsolar import Credentials
from fusioncharge.fusionsolar.login_guard import HUAWEI_LOCKS_AFTER, MAX_GUARDED, credentials_hash
from fusioncharge.models import (
    BATTERY,
    EMMA,
    GRID_METER,
    POWER_SENSOR,
    REAL_TIME_TYPES,
    RESIDENTIAL_INVERTER,
    STRING_INVERTER,
    CounterSample,
    Device,
    EnergyWatch,
    MeterWatch,
    PlantFacts,
)
from fusioncharge.settings.environment import MAX_PLANTS
from fusioncharge.state import FileStateStore, InMemoryStateStore, State, start_over, station_key
from fusioncharge.state.devices import in_state_order
from fusioncharge.state.salvage import fitted, size
from fusioncharge.state.store import SSM_MAX_CHARS

STATES = Path(__file__).parents[2] / "fixtures" / "states"
V1_STATE = STATES / "v1-after-first-run.json"
V2_STATE = STATES / "v2-two-plants-every-field.json"


def full_state() -> State:
    return State(
        token="t" * 40,
        token_issued_at=1_700_000_000.5,
        no_login_before=1_700_001_800.0,
        rejected_credentials="salt$" + "ab" * 32,
        plant_code="NE=35436844",
        plant_name="Home",
        plant_for_station="Home",
        devices=[Device(-1000000035436846, "", 38, "NE=35436844")] * 6,
        devices_fetched_at=1_700_000_000.0,
        last_fetch={"38": 1_700_000_000.0, "47": 1_700_000_001.0, "39": 1_700_000_002.0},
    )


def test_round_trip_and_size():
    state = full_state()
    text = state.to_json()
    assert State.from_json(text) == state
    assert len(text.encode()) < 2048  # SSM standard parameters hold 4 KB


def largest_state(plants: int, read_devices: int = 100) -> State:
    """A state as large as a real one gets with this many read devices over these plants: the
    longest ids (64-bit), a STATION naming the plants with FusionSolar's longest names, two
    battery capacities a plant, a long token, every rejected password remembered, the guard
    counting, every device type read and watched, Huawei's clock estimated."""
    codes = [f"NE={900_000_000 + p}" for p in range(plants)]
    names = [f"Plant {p} " + "x" * 56 for p in range(plants)]  # 64 characters
    kinds = [(BATTERY, 15.0), (BATTERY, 10.0), (POWER_SENSOR, None), (GRID_METER, None)]
    kinds += [(EMMA, None), (STRING_INVERTER, None)]
    devices = []
    for n in range(read_devices):
        plant, k = n % plants, n // plants
        type_id, capacity = kinds[k] if k < len(kinds) else (RESIDENTIAL_INVERTER, None)
        devices.append(Device(-(2**63) + n, "", type_id, codes[plant], capacity))
    now = 1_700_000_000.123456789
    return State(
        token="x-" + "a" * 198,
        token_issued_at=now,
        no_login_before=now + 1800.123456789,
        rejected_credentials=" ".join(
            credentials_hash(Credentials("user", str(i))) for i in range(MAX_GUARDED)
        ),
        plant_code=",".join(codes),
        plant_name="\n".join(names if plants == 1 else [n[:32] for n in names]),
        plant_for_station=station_key(",".join(names)),
        plant_checked_at=now,
        devices=in_state_order(devices),
        devices_fetched_at=now,
        last_fetch={str(t): now + t / 7 for t in REAL_TIME_TYPES},
        server_leads=[-12.123, -12.456, -11.999, 3600.5, -12.001, -12.123],
        unserved_types=[EMMA],
        meter_watch=MeterWatch(-(2**63), int(now * 1000), -12.345, 654321.09, 123456.78, 3),
        # a large site's daily sums, one held from an earlier minute; no lifetime sum with
        # DC batteries (an AC-coupled site's adds 12 bytes: three plants then fit 88 devices)
        energy_watch=EnergyWatch(
            CounterSample(9999.99, int(now) // 60),
            CounterSample(999.99, int(now) // 60),
            CounterSample(999.99, int(now) // 60 - 55),
        ),
        plant_facts=[PlantFacts(9999.999, -33.8688, 151.2093, "2023-03-31T09:56:55+11:00")]
        * plants,
        login_tries=[now - 500.123456789 + 100 * i for i in range(HUAWEI_LOCKS_AFTER)],
        locked_until=now + 1800.123456789,
        kpi_pending=now + 900.123456789,
    )


@pytest.mark.parametrize(
    ("plants", "read_devices"), [(1, 100), (2, 100), (3, 90), (MAX_PLANTS, 65)]
)
def test_a_hundred_read_devices_fit_ssm_parameter(plants, read_devices):
    """SSM's Standard tier holds 4 KB: named devices overflowed it at 43-48 devices, after
    which every run fetched the device list again and the day's quota was gone. With every
    field at its largest (64-bit ids, each plant's facts at their longest), one or two plants
    fit 100 read devices, three 90, five 65 (a larger state is salvaged: state/salvage.py)."""
    state = largest_state(plants, read_devices)
    text = state.to_json()
    assert len(text.encode()) <= SSM_MAX_CHARS, f"{len(text.encode())} bytes"
    assert State.from_json(text) == state


def test_names_are_not_kept_and_devices_keep_their_order():
    devices = [
        Device(3, "Inverter-B", 38, "NE=1"),
        Device(9, "Inverter-A", 38, "NE=1"),
        Device(4, "Meter", 47, "NE=1"),
        Device(5, "Inverter-C", 38, "NE=2"),
    ]
    back = State.from_json(State(devices=devices).to_json()).devices
    assert back == [replace(d, name="") for d in devices]
    assert State.from_json(State(devices=[]).to_json()).devices == []  # a cached empty list


def test_an_inverters_rated_power_is_kept_with_the_device_list():
    """The bounds need it every run, and the device list is fetched every 6 hours."""
    devices = [
        Device(3, "", 38, "NE=1", rated_kw=5.0),
        Device(9, "", 38, "NE=1", rated_kw=4.6),
        Device(4, "", 39, "NE=1", capacity_kwh=10.0),
        Device(5, "", 38, "NE=1"),
    ]
    assert State.from_json(State(devices=devices).to_json()).devices == devices


def test_a_state_written_by_the_previous_version_is_read():
    """An existing stack's parameter after an update: version 1, named devices."""
    text = V1_STATE.read_text()
    state = State.from_json(text, now=1_700_000_300.0)
    old = json.loads(text)
    assert state.token == old["token"] and state.last_fetch == old["last_fetch"]
    assert state.plant_code == "NE=35436844" and state.devices_fetched_at == 1_700_000_000.0
    assert state.server_leads == [old["server_lead"]]  # the pacing keeps its estimate
    assert [d.id for d in state.devices or ()] == [11, 12, 13]
    assert [d.type_id for d in state.devices or ()] == [38, 47, 39]
    assert {d.name for d in state.devices or ()} == {""}
    again = State.from_json(state.to_json())
    assert again == state  # and written back in today's format
    assert json.loads(state.to_json())["v"] == 2


def test_a_state_the_last_version_wrote_reads_into_records_and_writes_back_byte_for_byte():
    """An existing stack's parameter after the update to typed state: the same JSON on disk."""
    text = V2_STATE.read_text(encoding="utf-8")
    state = State.from_json(text, now=1_800_000_200.0)
    assert state.to_json() == text
    assert state.devices is not None and state.devices[2:4] == [
        Device(1000000003, "", BATTERY, "NE=1", 10.0),
        Device(1000000004, "", BATTERY, "NE=1", 10.0),
    ]
    assert [(d.plant_code, d.type_id) for d in state.devices[4:]] == [("NE=2", 1), ("NE=2", EMMA)]
    assert state.meter_watch == MeterWatch(
        device_id=1000000002,
        time_ms=1800000100000,
        export_kw=-1.234,
        imported_kwh=1234.5,
        exported_kwh=678.9,
        streak=1,
        others=(2000000002,),
        held=2,
    )
    assert state.plant_facts == [
        PlantFacts(8.2, 52.1, 5.1, "2023-03-31T09:56:55+01:00"),
        PlantFacts(),
    ]


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_is_a_fresh_start(text):
    assert State.from_json(text) == State()


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "[]",
        '{"token": "x"}',  # no version
        '{"v": 99}',
        '{"v": 1, "surprise": 1}',
        '{"v": 1, "last_fetch": []}',
        '{"v": 1, "token": 5}',
        '{"v": 1, "token_issued_at": "yesterday"}',
        '{"v": 1, "last_fetch": {"38": "soon"}}',
        '{"v": 2, "dv": [{"i": [1], "t": 38, "p": "NE=1"}]}',
        '{"v": 2, "dv": {"NE=1": [{"t": 38}]}}',
        '{"v": 2, "dv": {"NE=1": {"t": 38, "i": [1]}}}',
        '{"v": 1, "dv": {"NE=1": [{"i": [1], "t": 38}]}}',  # v1 had no grouped devices
        '{"v": 2, "server_lead": 0.5}',  # v2 keeps the last leads
        '{"v": 2, "server_leads": [0.5, NaN]}',
    ],
)
def test_garbage_raises_state_error(text):
    with pytest.raises(StateError):
        State.from_json(text)


def test_in_memory_store_round_trips_through_text():
    store = InMemoryStateStore()
    store.save(full_state())
    assert store.load() == full_state()
    assert store.saves == 1


def test_file_store_is_private(tmp_path):
    path = tmp_path / "sub" / "state.json"
    path.parent.mkdir()
    path.write_text("{}")
    os.chmod(path, 0o644)  # a pre-existing file with wider rights is tightened
    store = FileStateStore(path)
    store.save(full_state())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load() == full_state()
    assert FileStateStore(tmp_path / "absent.json").load() == State()


def test_a_byte_order_mark_an_editor_added_keeps_the_state_and_its_guard():
    text = State(login_tries=[1_700_000_000.0], locked_until=1_700_001_000.0).to_json()
    state = State.from_json("\ufeff" + text, 1_700_000_100.0)
    assert state.login_tries == [1_700_000_000.0] and state.locked_until == 1_700_001_000.0
    saved = start_over("\ufeff" + text.replace('"v":2', '"v":99'), 1_700_000_100.0)
    assert saved.login_tries == [1_700_000_000.0]  # damage elsewhere: the guard still kept


def test_the_state_holds_typed_records_not_storage_shapes():
    """The storage format is the codec's alone: no field of State is typed as loose JSON, but
    each sink's own memory (sinks/ reads and checks it itself)."""
    loose = [f.name for f in dataclass_fields(State) if "Any" in str(f.type) and f.name != "sinks"]
    assert loose == []


# The state's promises on damage (state/): a damaged state starts over keeping each sound
# lockout-guard field, and no time further ahead than a clock can drift survives.

NOW = 1_800_000_000.0
HOUR = 3600.0


def damaged(**guard) -> str:
    return json.dumps({"v": 2, "token_issued_at": NOW + 10 * HOUR, **guard})


def test_salvaged_login_tries_are_kept_when_sound():
    state = start_over(damaged(login_tries=[NOW - 60, NOW - 30]), NOW)
    assert state.login_tries == [NOW - 60, NOW - 30]


@given(ahead=st.floats(61, 1e9))
def test_a_salvaged_login_try_far_in_the_future_is_not_kept(ahead):
    state = start_over(damaged(login_tries=[NOW - 60, NOW + ahead]), NOW)
    assert not state.login_tries


def test_a_salvaged_try_within_a_minute_ahead_is_kept():
    assert start_over(damaged(login_tries=[NOW + 60]), NOW).login_tries == [NOW + 60]


def test_salvaged_guards_are_kept_up_to_31_minutes_ahead_and_no_further():
    kept = start_over(damaged(locked_until=NOW + 1860, no_login_before=NOW + 1800), NOW)
    assert (kept.locked_until, kept.no_login_before) == (NOW + 1860, NOW + 1800)
    dropped = start_over(damaged(locked_until=NOW + 1861, no_login_before=NOW + 9e9), NOW)
    assert (dropped.locked_until, dropped.no_login_before) == (None, None)


def test_starting_over_keeps_rejected_credentials_and_skips_this_window():
    state = start_over(damaged(rejected_credentials="salt$abc", login_tries=[]), NOW)
    assert state.rejected_credentials == "salt$abc"
    assert state.kpi_pending == NOW
    assert state.login_tries is None
    for text in (None, "", "not json", "[1, 2]", json.dumps({"login_tries": ["x"]})):
        assert start_over(text, NOW) == State(kpi_pending=NOW)


def test_reading_refuses_times_ahead_of_the_clock_beyond_their_slack():
    def load(**fields: object) -> State:
        return State.from_json(json.dumps({"v": 2, **fields}), NOW)

    assert load(login_tries=[NOW + 60]).login_tries == [NOW + 60]
    assert load(locked_until=NOW + 1860).locked_until == NOW + 1860
    assert load(kpi_pending=NOW + 960).kpi_pending == NOW + 960
    for fields in (
        {"login_tries": [NOW + 61]},
        {"token_issued_at": NOW + 61},
        {"last_fetch": {"47": NOW + 61}},
        {"locked_until": NOW + 1861},
        {"no_login_before": NOW + 1861},
        {"kpi_pending": NOW + 961},
    ):
        try:
            load(**fields)
        except StateError:
            continue
        raise AssertionError(f"{fields} ahead of the clock was accepted")


def test_times_a_little_in_the_past_are_read():
    state = State.from_json(
        json.dumps({"v": 2, "token_issued_at": NOW - 30, "last_fetch": {"47": NOW - 30}}), NOW
    )
    assert (state.token_issued_at, state.last_fetch) == (NOW - 30, {"47": NOW - 30})


def test_the_json_is_compact_sorted_and_keeps_names_readable():
    assert State().to_json() == '{"v":2}'
    state = State(token="t", locked_until=1.5, plant_name="Zürich", last_fetch={})
    assert state.to_json() == '{"locked_until":1.5,"plant_name":"Zürich","token":"t","v":2}'
    assert State(devices=[]).to_json() == '{"dv":{},"v":2}'  # an empty list is an answer too


def test_a_lone_surrogate_is_escaped_so_the_json_can_be_stored_and_stays_sorted():
    text = State(token="t", plant_name="a\ud800").to_json()
    assert text == '{"plant_name":"a\\ud800","token":"t","v":2}'
    assert State.from_json(text.encode().decode()).plant_name == "a\ud800"


def test_a_station_of_up_to_64_characters_is_kept_as_it_is():
    assert station_key("x" * 64) == "x" * 64
    key = station_key("x" * 65)
    assert key.startswith("sha256:") and len(key) == len("sha256:") + 32
    assert station_key("y" * 65) != key


def test_fields_of_the_wrong_kind_are_refused():
    for fields in (
        {"unserved_types": ""},
        {"unserved_types": ["x"]},
        {"meter_watch": {"d": ""}},
        {"meter_watch": {"d": "x"}},
        {"meter_watch": {"a": [1, "x"]}},
        {"meter_watch": []},
        {"sinks": []},
        {"sinks": {"chargehq": 1}},
        {"ew": []},
        {"ew": [1]},  # a minute and no counter
        {"ew": [1.5, 2.0]},  # the minute is a whole number
        {"ew": [1, "x"]},
        {"ew": [1, [2.0]]},
        {"ew": [1, [2.0, 3.5]]},
        {"ew": [1, [2.0, 0]]},  # held means earlier
        {"ew": [1, 2.0, 3.0, 4.0, 5.0, 6.0]},  # a fifth counter
        {"ew": {"p": 1}},
        {"energy_watch": [1, 2.0]},  # the record's name is no stored key
    ):
        try:
            State.from_json(json.dumps({"v": 2, **fields}), NOW)
        except StateError:
            continue
        raise AssertionError(f"{fields} was accepted")
    watch = {"d": 1, "ms": 2, "p": 0.5, "i": 3.0, "e": 4.0, "n": 0, "a": [2, 3]}
    assert json.loads(State.from_json(json.dumps({"v": 2, "meter_watch": watch})).to_json()) == {
        "v": 2,
        "meter_watch": watch,
    }


def test_a_file_store_creates_its_folder_and_keeps_the_file_private(tmp_path):
    path = tmp_path / "new" / "folder" / "state.json"
    store = FileStateStore(path)
    store.save(State(token="t"))
    assert path.stat().st_mode & 0o777 == 0o600
    assert store.load().token == "t"


def test_devices_alike_share_a_group_and_lose_their_names():
    devices = [Device(1, "Inverter", 38, "A", 5.0), Device(2, "", 38, "A", 5.0)]
    assert json.loads(State(devices=devices).to_json())["dv"] == {
        "A": [{"t": 38, "c": 5.0, "i": [1, 2]}]
    }


def test_a_stored_device_list_of_the_wrong_shape_is_refused():
    for dv in (
        "",
        [],
        {"A": {}},
        {"A": [{"t": 38}]},
        {"A": [{"t": 38, "i": ["1"]}]},
        {"A": [{"t": "38", "i": [1]}]},
        {"A": [{"t": 38, "i": [1], "c": "5"}]},
        {"A": [{"t": 38, "i": [True]}]},
        {"A": [{"t": 38, "i": [1], "n": "Inverter"}]},
    ):
        try:
            State.from_json(json.dumps({"v": 2, "dv": dv}), NOW)
        except StateError:
            continue
        raise AssertionError(f"{dv} was accepted")


def test_a_state_that_fits_exactly_is_kept_whole_and_one_byte_over_loses_the_plant_names():
    state = State(token="t", login_tries=[NOW], plant_name="Home", plant_code="NE=1")
    assert fitted(state, size(state)) == (state, [])
    kept, dropped = fitted(state, size(state) - 1)
    assert dropped == ["plant names"]
    assert (kept.plant_name, kept.plant_code, kept.token, kept.login_tries) == (
        None,
        "NE=1",
        "t",
        [NOW],
    )
    assert state.plant_name == "Home"  # the run's own state is left as it was


def refused(stored: dict) -> bool:
    try:
        State.from_json(json.dumps(stored), NOW)
    except StateError:
        return True
    return False


def test_plant_facts_of_the_wrong_shape_are_refused():
    for facts in (
        {},
        [[8.2, 52.1, 5.1]],
        [[8.2, 52.1, 5.1, None, None]],
        ["8.2"],
        [["8.2", None, None, None]],
        [[None, True, None, None]],
        [[None, None, None, 20230331]],
    ):
        assert refused({"v": 2, "plant_facts": facts}), facts
    sound = [[8.2, 52.1, 5.1, "2023-03-31"], [None, None, None, None]]
    assert not refused({"v": 2, "plant_facts": sound})


def test_a_version_1_device_list_is_read_only_as_that_version_wrote_it():
    good = {"id": 11, "n": "Inverter", "t": 38, "p": "NE=1", "c": 5.0}
    assert not refused({"v": 1, "devices": [good]})
    for device in (
        "x",
        {**good, "id": "11"},
        {**good, "t": "38"},
        {**good, "p": 1},
        {**good, "c": "5"},
        {**good, "x": 1},
    ):
        assert refused({"v": 1, "devices": [good, device]}), device
    assert refused({"v": 1, "devices": {"NE=1": [good]}})


def test_devices_are_kept_in_the_order_the_previous_version_kept_them():
    """A battery with its capacity sorts before a plain inverter, as the stored JSON text of
    their shared fields did: a list fetched after an update equals the stored one."""
    inverter, battery = Device(1, "", 38, "A"), Device(2, "", 39, "A", 10.0)
    assert in_state_order([inverter, battery]) == [battery, inverter]


def test_the_energy_watch_is_stored_compactly_and_read_back():
    """The common case is one minute for every counter; a counter held from earlier keeps its
    own minute; a site without batteries stores no trailing nulls."""
    watch = EnergyWatch(
        inverter_day=CounterSample(24.79, 29_806_075),
        charged_day=CounterSample(13.12, 29_806_075),
        discharged_day=CounterSample(4.53, 29_806_070),
    )
    text = State(energy_watch=watch).to_json()
    assert json.loads(text) == {"v": 2, "ew": [29_806_075, 24.79, 13.12, [4.53, 5]]}
    assert State.from_json(text).energy_watch == watch
    solar_only = EnergyWatch(inverter_day=CounterSample(2.0, 5))
    assert json.loads(State(energy_watch=solar_only).to_json())["ew"] == [5, 2.0]


def test_a_login_back_off_round_trips_and_up_to_6_hours_and_a_minute_ahead_is_sound():
    state = State(login_backoff_until=NOW + 6 * HOUR + 60, login_quota_refusals=5)
    assert State.from_json(state.to_json(), NOW) == state
    too_far = State(login_backoff_until=NOW + 6 * HOUR + 61, login_quota_refusals=5)
    try:
        State.from_json(too_far.to_json(), NOW)
    except StateError:
        pass
    else:
        raise AssertionError("a back-off further ahead than 6 hours was taken as sound")


def test_a_salvaged_login_back_off_is_kept_when_sound_and_dropped_when_not():
    kept = start_over(damaged(login_backoff_until=NOW + HOUR, login_quota_refusals=3), NOW)
    assert (kept.login_backoff_until, kept.login_quota_refusals) == (NOW + HOUR, 3)
    dropped = start_over(damaged(login_backoff_until=NOW + 9e9, login_quota_refusals=3), NOW)
    assert (dropped.login_backoff_until, dropped.login_quota_refusals) == (None, None)


def test_a_group_of_more_than_8_devices_keeps_its_ids_as_steps_and_reads_back_whole():
    ids = [1000000035436000 + 3 * n + (n % 4) for n in range(9)]
    devices = [Device(i, "", 38, "A") for i in ids]
    stored = json.loads(State(devices=devices).to_json())["dv"]["A"]
    assert stored == [{"t": 38, "d": [1000000035436000, 4, 4, 4, 0, 4, 4, 4, 0]}]
    assert State.from_json(State(devices=devices).to_json(), NOW).devices == devices
    eight = [Device(i, "", 38, "A") for i in ids[:8]]
    assert json.loads(State(devices=eight).to_json())["dv"]["A"] == [{"t": 38, "i": ids[:8]}]


def test_a_group_with_both_or_no_or_empty_steps_is_refused():
    for group in ({"t": 38, "i": [1], "d": [1]}, {"t": 38, "d": []}, {"t": 38, "d": [1, 1.5]}):
        try:
            State.from_json(json.dumps({"v": 2, "dv": {"A": [group]}}), NOW)
        except StateError:
            continue
        raise AssertionError(f"{group} was accepted")
