"""State: compact JSON round trips, and anything else is refused with StateError."""

import json
import os
import stat
from dataclasses import fields, replace
from pathlib import Path

import pytest

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
from fusioncharge.state import (
    FileStateStore,
    InMemoryStateStore,
    State,
    start_over,
    station_key,
)
from fusioncharge.state.devices import in_state_order
from fusioncharge.state.store import SSM_MAX_CHARS

STATES = Path(__file__).parents[1] / "fixtures" / "states"
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
    loose = [f.name for f in fields(State) if "Any" in str(f.type) and f.name != "sinks"]
    assert loose == []
