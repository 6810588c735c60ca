"""The field table (state/fields.py): every State field has one row, and each column's rule
holds for each field, stated here with the numbers and names the docs promise."""

import copy
import dataclasses
import json
from pathlib import Path

import pytest

from fusioncharge.errors import StateError
from fusioncharge.models import Device, PlantFacts
from fusioncharge.state import State, start_over
from fusioncharge.state.fields import FIELDS
from fusioncharge.state.merge import merge

NOW = 1_800_000_000.0
FIXTURES = Path(__file__).parents[2] / "fixtures" / "states"


def test_every_state_field_has_exactly_one_row_in_the_records_order():
    """A field added to State without a row would be neither stored nor merged: this fails."""
    assert [f.name for f in FIELDS] == [f.name for f in dataclasses.fields(State)]


def test_each_field_has_its_own_stored_key_and_the_old_keys_stay():
    keys = [f.stored_key for f in FIELDS]
    assert len(set(keys)) == len(keys) and "v" not in keys
    renamed = {f.name: f.stored_key for f in FIELDS if f.stored_key != f.name}
    assert renamed == {"devices": "dv", "missing_types": "doubted_types", "energy_watch": "ew"}


# --- time slack: how far ahead of our clock a stored time may lie (literal seconds) ---------
SLACK = {
    "token_issued_at": 60,
    "plant_checked_at": 60,
    "devices_fetched_at": 60,
    "devices_asked_at": 60,
    "no_login_before": 30 * 60 + 60,
    "locked_until": 30 * 60 + 60,
    "kpi_pending": 15 * 60 + 60,
    "login_backoff_until": 6 * 3600 + 60,
}


def stored(**values: object) -> str:
    return json.dumps({"v": 2, **values})


@pytest.mark.parametrize(("name", "slack"), SLACK.items())
def test_a_time_is_read_up_to_its_slack_ahead_and_refused_a_second_further(name, slack):
    assert getattr(State.from_json(stored(**{name: NOW + slack}), NOW), name) == NOW + slack
    with pytest.raises(StateError, match="future"):
        State.from_json(stored(**{name: NOW + slack + 1}), NOW)


def test_each_reading_time_and_login_try_is_read_up_to_a_minute_ahead_and_no_further():
    state = State.from_json(stored(last_fetch={"38": NOW + 60}, login_tries=[NOW + 60]), NOW)
    assert state.last_fetch == {"38": NOW + 60} and state.login_tries == [NOW + 60]
    for late in ({"last_fetch": {"38": NOW, "47": NOW + 61}}, {"login_tries": [NOW, NOW + 61]}):
        with pytest.raises(StateError, match="future"):
            State.from_json(stored(**late), NOW)


@pytest.mark.parametrize("name", ["negative_runs", "login_quota_refusals", "server_leads"])
def test_numbers_that_are_not_times_may_be_anything_finite(name):
    value = [NOW * 10] if name == "server_leads" else NOW * 10
    assert getattr(State.from_json(stored(**{name: value}), NOW), name) == value


# --- merge: each field's rule, by the time it follows ---------------------------------------
def three(base: State) -> tuple[State, State, State]:
    return base, copy.deepcopy(base), copy.deepcopy(base)


BATTERY = Device(3, "", 39, "NE=1", 10.0)
LIST = [Device(1, "", 38, "NE=1"), BATTERY]


def test_the_missing_types_follow_the_newer_device_list_not_an_older_one():
    """Ours fetched the full list at 200 (nothing missing); a racing run fetched at 100 a list
    without the battery. Keeping its missing type with our list would let the next list that
    lacks the battery drop it at once: the missing types go with the list they describe."""
    base, ours, theirs = three(State(devices=LIST, devices_fetched_at=50.0))
    ours.devices_fetched_at = 200.0
    theirs.devices_fetched_at, theirs.missing_types = 100.0, [39]
    merge(ours, base, theirs)
    assert (ours.devices_fetched_at, ours.missing_types) == (200.0, None)
    base, ours, theirs = three(State(devices=LIST, devices_fetched_at=50.0))
    ours.devices_fetched_at = 100.0
    theirs.devices_fetched_at, theirs.missing_types = 200.0, [39]
    merge(ours, base, theirs)
    assert (ours.devices_fetched_at, ours.missing_types) == (200.0, [39])


def test_the_plants_facts_stay_with_the_plant_lookup_they_describe():
    """Ours found a second plant (no facts yet); a racing run filled in the first one's facts:
    one plant's facts beside two plant codes would describe the wrong plants."""
    base, ours, theirs = three(State(plant_code="NE=1"))
    ours.plant_code = "NE=1,NE=2"
    theirs.plant_facts = [PlantFacts(6.6, -33.87, 151.21, None)]
    merge(ours, base, theirs)
    assert (ours.plant_code, ours.plant_facts) == ("NE=1,NE=2", None)


@pytest.mark.parametrize(
    ("name", "mine", "theirs"), [("negative_runs", 1, 3), ("sinks", {"a": {}}, {"b": {}})]
)
def test_a_count_or_sink_memory_both_runs_changed_is_ours_and_one_only_they_changed_theirs(
    name, mine, theirs
):
    base, ours, stored_ = three(State())
    setattr(ours, name, mine)
    setattr(stored_, name, theirs)
    merge(ours, base, stored_)
    assert getattr(ours, name) == mine
    base, ours, stored_ = three(State())
    setattr(stored_, name, theirs)
    merge(ours, base, stored_)
    assert getattr(ours, name) == theirs


def test_a_sink_memory_this_run_cleared_stays_cleared():
    """ChargeHQ answered this run: its "gone since" is forgotten, whatever a racing run kept."""
    base, ours, theirs = three(State(sinks={"chargehq": {"gone_since": NOW - 600}}))
    ours.sinks = None
    theirs.sinks = {"chargehq": {"gone_since": NOW - 900}}
    merge(ours, base, theirs)
    assert ours.sinks is None


def test_the_clock_estimate_both_runs_changed_is_ours_even_beside_a_newer_device_list():
    """Our leads come from this run's calls: a racing run's newer device list does not bring
    its own estimate along."""
    base, ours, theirs = three(State(devices=LIST, devices_fetched_at=50.0, server_leads=[0.1]))
    ours.server_leads = [0.7]
    theirs.devices_fetched_at, theirs.server_leads = 200.0, [0.5]
    merge(ours, base, theirs)
    assert (ours.devices_fetched_at, ours.server_leads) == (200.0, [0.7])


# --- start_over: the lockout guard's sound fields, each as load reads it ---------------------
def damaged(**guard: object) -> str:
    return stored(token_issued_at=NOW + 36_000, **guard)


GUARD = {
    "login_tries": [NOW - 60],
    "no_login_before": NOW + 600,
    "rejected_credentials": "salt$abc",
    "locked_until": NOW + 900,
    "login_backoff_until": NOW + 3600,
    "login_quota_refusals": 2,
}
BACK_OFF = ("login_backoff_until", "login_quota_refusals")


def test_starting_over_keeps_every_sound_guard_field_and_nothing_else():
    """A state holding every field, each sound (the stored fixture, plus the guard and a
    pending mark), damaged only by a key this code never wrote: only the guard is kept, and
    this window skipped."""
    later = 1_800_000_200.0  # after every time the fixture holds
    every = json.loads((FIXTURES / "v2-two-plants-every-field.json").read_text("utf-8"))
    every |= {**GUARD, "kpi_pending": later - 5, "devices_asked_at": NOW, "plant_checked_at": NOW}
    every |= {"ew": [30_000_000, 4.2]}
    assert set(every) - {"v"} == {f.stored_key for f in FIELDS}
    State.from_json(json.dumps(every), later)  # each field sound
    damaged = json.dumps({**every, "damage": True})
    assert start_over(damaged, later) == State(kpi_pending=later, **GUARD)


@pytest.mark.parametrize("name", GUARD)
def test_one_damaged_guard_field_is_left_out_and_the_others_kept(name):
    state = start_over(damaged(**{**GUARD, name: {"damaged": True}}), NOW)
    gone = BACK_OFF if name in BACK_OFF else (name,)  # a back-off is kept only with its count
    kept = {k: v for k, v in GUARD.items() if k not in gone}
    assert state == State(kpi_pending=NOW, **kept)


def test_a_back_off_too_far_ahead_is_left_out_with_its_count():
    state = start_over(damaged(login_backoff_until=NOW + 21_661, login_quota_refusals=2), NOW)
    assert (state.login_backoff_until, state.login_quota_refusals) == (None, None)
    state = start_over(damaged(login_backoff_until=NOW + 21_660, login_quota_refusals=2), NOW)
    assert (state.login_backoff_until, state.login_quota_refusals) == (NOW + 21_660, 2)


def test_a_kept_guard_saves_as_the_stored_one_did():
    """Kept as load reads it: a time stored as a whole number is not rewritten."""
    text = damaged(locked_until=1_800_000_900, login_tries=[1_799_999_940])
    saved = json.loads(start_over(text, NOW).to_json())
    assert (saved["locked_until"], saved["login_tries"]) == (1_800_000_900, [1_799_999_940])
