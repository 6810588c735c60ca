"""The lockout promise on its own: the guard's rules on a State, no server and no sockets."""

import pytest

from fusioncharge.errors import AccountLocked
from fusioncharge.fusionsolar import login_guard as guard
from fusioncharge.fusionsolar.auth import Credentials
from fusioncharge.state import State

T0 = 1_800_000_000.0
RIGHT = Credentials("user", "right-code")
WRONG = Credentials("user", "wrong-code")


def test_a_fresh_state_allows_a_login():
    guard.check(State(), RIGHT, T0)


def test_two_refused_logins_in_ten_minutes_stop_the_third_until_the_window_ends():
    state = State()
    for t in (T0, T0 + 60):
        guard.count_try(state, t)  # counted as refused until answered otherwise
    with pytest.raises(AccountLocked, match="2 logins in the last 10 minutes"):
        guard.check(state, RIGHT, T0 + 120)
    guard.check(state, RIGHT, T0 + guard.WINDOW_SECONDS)  # the first try left the window


def test_an_answered_login_does_not_count_as_refused():
    state = State()
    guard.count_try(state, T0)
    guard.not_refused(state, T0)
    guard.count_try(state, T0 + 1)
    guard.check(state, RIGHT, T0 + 2)


def test_rejected_credentials_wait_30_minutes_but_changed_ones_may_log_in():
    state = State()
    until = guard.rejected(state, WRONG, T0)
    assert until == T0 + guard.GUARD_SECONDS
    with pytest.raises(AccountLocked):
        guard.check(state, WRONG, T0 + 60)
    guard.check(state, RIGHT, T0 + 60)
    assert "wrong-code" not in (state.rejected_credentials or "")  # a salted hash only
    guard.check(state, WRONG, until)


def test_a_probable_lock_stops_every_credential_for_30_minutes():
    state = State()
    until = guard.probable_lock(state, T0)
    for creds in (RIGHT, WRONG):
        with pytest.raises(AccountLocked, match="probably"):
            guard.check(state, creds, until - 1)
    guard.check(state, RIGHT, until)


def test_as_many_tries_as_huawei_locks_after_mean_a_probable_lock():
    state = State(login_tries=[T0 + i for i in range(guard.HUAWEI_LOCKS_AFTER)])
    with pytest.raises(AccountLocked, match="probably"):
        guard.check(state, RIGHT, T0 + guard.WINDOW_SECONDS - 1)
    assert state.locked_until is not None


def test_an_accepted_login_clears_the_guard():
    state = State()
    guard.rejected(state, WRONG, T0)
    guard.probable_lock(state, T0)
    guard.count_try(state, T0 + 1)
    guard.accepted(state, T0 + 1)
    assert (state.no_login_before, state.rejected_credentials, state.locked_until) == (
        None,
        None,
        None,
    )
    assert not state.login_tries
