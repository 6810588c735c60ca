"""The three-way merge a save makes with what racing runs saved (state_merge.py)."""

import copy

from fusioncharge.state import State
from fusioncharge.state_merge import merge


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
