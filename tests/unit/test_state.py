"""State: compact JSON round trips, and anything else is refused with StateError."""

import os
import stat

import pytest

from fusioncharge.errors import StateError
from fusioncharge.state import FileStateStore, InMemoryStateStore, State


def full_state() -> State:
    return State(
        token="t" * 40,
        token_issued_at=1_700_000_000.5,
        no_login_before=1_700_001_800.0,
        rejected_credentials="salt$" + "ab" * 32,
        plant_code="NE=35436844",
        plant_name="Home",
        plant_for_station="Home",
        devices=[{"id": -1000000035436846, "n": "Inverter-1", "t": 38, "p": "NE=35436844"}] * 6,
        devices_fetched_at=1_700_000_000.0,
        last_fetch={"38": 1_700_000_000.0, "47": 1_700_000_001.0, "39": 1_700_000_002.0},
    )


def test_round_trip_and_size():
    state = full_state()
    text = state.to_json()
    assert State.from_json(text) == state
    assert len(text.encode()) < 2048  # SSM standard parameters hold 4 KB


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
