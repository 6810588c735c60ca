"""Merge rules read from the field table: values that follow a time travel with it."""

import copy

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fusioncharge.models import CounterSample, Device, EnergyWatch, MeterWatch
from fusioncharge.state import State
from fusioncharge.state.merge import merge

# Each record that follows its own time, with a value of each of its other fields.
RECORDS = {
    "token_issued_at": {"token": "x-token"},
    "devices_fetched_at": {"devices": [], "unserved_types": [47], "missing_types": [39]},
    "login_backoff_until": {"login_quota_refusals": 3},
}
times = st.none() | st.floats(1, 2e9)


@pytest.mark.parametrize("time", RECORDS)
@given(base=times, mine=times, theirs=times)
@settings(deadline=None)  # a loaded machine is slow, not wrong
def test_a_record_both_runs_changed_is_the_one_with_the_later_time_ours_on_a_tie(
    time, base, mine, theirs
):
    """An unset time is earlier than any set one; the other fields come with their time."""
    assume(mine != base and theirs != base)
    before = State(**{time: base})
    ours, stored = copy.deepcopy(before), copy.deepcopy(before)
    setattr(ours, time, mine)
    setattr(stored, time, theirs)
    for name, value in RECORDS[time].items():
        setattr(stored, name, value)  # what came with their time
    merge(ours, before, stored)
    later = theirs is not None and (mine is None or theirs > mine)
    assert getattr(ours, time) == (theirs if later else mine)
    for name, value in RECORDS[time].items():
        assert getattr(ours, name) == (value if later else None)


# The three-way merge a save makes with what racing runs saved (state/merge.py).


def three(base: State) -> tuple[State, State, State]:
    return base, copy.deepcopy(base), copy.deepcopy(base)


def test_a_racing_runs_refused_login_is_kept_and_ours_answered_stays_uncounted():
    base, ours, stored = three(State(login_tries=[100.0]))
    ours.login_tries = None  # our login (counted at 100) was accepted
    stored.login_tries = [100.0, 101.0]  # a racing run's wrong login
    merge(ours, base, stored)
    assert ours.login_tries == [101.0]


def test_two_tries_at_the_same_time_are_two_tries():
    base, ours, stored = three(State())
    ours.login_tries, stored.login_tries = [5.0], [5.0]
    merge(ours, base, stored)
    assert ours.login_tries == [5.0, 5.0]


def test_reading_times_never_roll_back():
    base, ours, stored = three(State(last_fetch={"38": 10.0, "47": 10.0}))
    stored.last_fetch = {"38": 310.0, "47": 10.0, "39": 305.0}
    ours.last_fetch["47"] = 320.0
    merge(ours, base, stored)
    assert ours.last_fetch == {"38": 310.0, "47": 320.0, "39": 305.0}


def test_the_newer_token_and_the_later_lock_win():
    base, ours, stored = three(State(token="a", token_issued_at=1.0))
    ours.token, ours.token_issued_at = "mine", 50.0
    stored.token, stored.token_issued_at = "theirs", 60.0
    stored.locked_until, ours.kpi_pending = 900.0, 400.0
    merge(ours, base, stored)
    assert (ours.token, ours.token_issued_at) == ("theirs", 60.0)
    assert ours.locked_until == 900.0 and ours.kpi_pending == 400.0


def test_what_only_we_changed_is_ours():
    base, ours, stored = three(State(plant_code="NE=1", plant_for_station="Home"))
    ours.plant_code, ours.plant_for_station = "NE=2", "Garage"
    merge(ours, base, stored)
    assert (ours.plant_code, ours.plant_for_station) == ("NE=2", "Garage")


def test_the_later_login_back_off_wins_with_its_count():
    base, ours, stored = three(State())
    ours.login_backoff_until, ours.login_quota_refusals = 400.0, 1
    stored.login_backoff_until, stored.login_quota_refusals = 1000.0, 2
    merge(ours, base, stored)
    assert (ours.login_backoff_until, ours.login_quota_refusals) == (1000.0, 2)


# --- issue 27: every time that keeps a call back is the latest; fields that go together stay --
TIMES_THAT_HOLD_A_CALL_BACK = ("devices_asked_at", "locked_until", "kpi_pending", "no_login_before")


@pytest.mark.parametrize("name", TIMES_THAT_HOLD_A_CALL_BACK)
@given(
    base=st.none() | st.floats(0, 2e9),
    mine=st.none() | st.floats(0, 2e9),
    theirs=st.none() | st.floats(0, 2e9),
)
def test_a_time_that_holds_a_call_back_is_the_latest_either_run_set(name, base, mine, theirs):
    assume(mine != base and theirs != base)  # both runs changed it
    b, ours, stored = three(State(**{name: base}))
    setattr(ours, name, mine)
    setattr(stored, name, theirs)
    merge(ours, b, stored)
    set_by_either = [t for t in (mine, theirs) if t is not None]
    assert getattr(ours, name) == (max(set_by_either) if set_by_either else None)


@pytest.mark.parametrize("name", TIMES_THAT_HOLD_A_CALL_BACK)
def test_a_time_only_a_racing_run_set_is_taken(name):
    base, ours, stored = three(State())
    setattr(stored, name, 1_700_000_300.0)
    merge(ours, base, stored)
    assert getattr(ours, name) == 1_700_000_300.0


def test_a_later_lockout_guard_keeps_both_runs_rejected_credentials():
    base, ours, stored = three(State(no_login_before=100.0, rejected_credentials="s$a"))
    ours.no_login_before, ours.rejected_credentials = 500.0, "s$a s$b"
    stored.no_login_before, stored.rejected_credentials = 900.0, "s$a s$c"
    merge(ours, base, stored)
    assert (ours.no_login_before, ours.rejected_credentials) == (900.0, "s$a s$b s$c")


def test_the_newer_device_list_comes_with_its_own_unserved_types():
    base, ours, stored = three(State(devices=[Device(1, "", 1, "NE=1")], devices_fetched_at=10.0))
    ours.devices, ours.devices_fetched_at, ours.unserved_types = [], 20.0, [47]
    stored.devices = [Device(1, "", 1, "NE=1"), Device(39, "", 39, "NE=1")]
    stored.devices_fetched_at, stored.unserved_types = 30.0, None
    merge(ours, base, stored)
    assert ours.devices == stored.devices
    assert (ours.devices_fetched_at, ours.unserved_types) == (30.0, None)


def test_a_newer_token_comes_with_its_issue_time_and_an_older_one_is_not_taken():
    base, ours, stored = three(State(token="a", token_issued_at=1.0))
    ours.token, ours.token_issued_at = "mine", 70.0
    stored.token, stored.token_issued_at = "theirs", 60.0
    merge(ours, base, stored)
    assert (ours.token, ours.token_issued_at) == ("mine", 70.0)


def test_what_only_a_racing_run_changed_is_taken_whole():
    watch = MeterWatch(47, 1_700_000_000_000, 1.5, 322.3, 583.1)
    base, ours, stored = three(State())
    stored.plant_code, stored.plant_name = "NE=1,NE=2", "Home\nGarage"
    stored.plant_for_station, stored.plant_checked_at = "home", 50.0
    stored.server_leads, stored.meter_watch = [1.5, 2.0], watch
    stored.energy_watch = EnergyWatch(inverter_day=CounterSample(4.2, 28_333_333))
    stored.login_backoff_until, stored.login_quota_refusals = 600.0, 3
    merge(ours, base, stored)
    assert ours == stored


def test_the_later_login_back_off_wins_even_with_the_smaller_count():
    base, ours, stored = three(State())
    ours.login_backoff_until, ours.login_quota_refusals = 1000.0, 1
    stored.login_backoff_until, stored.login_quota_refusals = 400.0, 2
    merge(ours, base, stored)
    assert (ours.login_backoff_until, ours.login_quota_refusals) == (1000.0, 1)


def test_a_clock_estimate_both_runs_changed_is_ours():
    base, ours, stored = three(State(server_leads=[1.0]))
    ours.server_leads, stored.server_leads = [1.0, 2.0], [1.0, 3.0]
    merge(ours, base, stored)
    assert ours.server_leads == [1.0, 2.0]


def test_a_plant_lookup_both_runs_changed_is_ours_whole():
    base, ours, stored = three(State(plant_code="NE=1", plant_name="Home"))
    ours.plant_code, ours.plant_name, ours.plant_for_station = "NE=2", "Garage", "garage"
    stored.plant_code, stored.plant_name, stored.plant_checked_at = "NE=3", "Shed", 50.0
    merge(ours, base, stored)
    assert (ours.plant_code, ours.plant_name) == ("NE=2", "Garage")
    assert (ours.plant_for_station, ours.plant_checked_at) == ("garage", None)
