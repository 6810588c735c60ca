"""The lockout promise on its own: the guard's rules on a State, no server and no sockets."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusioncharge.clock import utc
from fusioncharge.errors import AccountLocked, QuotaExceeded
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


# The lockout guard's promises as numbers and relations (login_guard.py), with literal limits:
# a test that reads the module's own constants cannot notice when one of them goes wrong.
#
# Huawei locks an account for 30 minutes after 5 wrong passwords in 10 minutes; the guard allows
# at most 2 refused or unanswered logins in any 10 minutes, and after a probable lock none for 30.

TEN_MINUTES, THIRTY_MINUTES = 600.0, 1800.0


def allowed(state: State, creds: Credentials, now: float) -> bool:
    try:
        guard.check(state, creds, now)
    except AccountLocked:
        return False
    return True


def test_a_probable_lock_after_five_tries_lasts_30_minutes_from_the_last_try():
    tries = [T0 + 100 * i for i in range(5)]  # the last one at T0 + 400
    state = State(login_tries=list(tries))
    assert not allowed(state, RIGHT, T0 + 450)
    assert state.locked_until == T0 + 400 + THIRTY_MINUTES
    assert not allowed(state, RIGHT, T0 + THIRTY_MINUTES + 200)  # 30 min after the first only
    assert allowed(state, RIGHT, T0 + 400 + THIRTY_MINUTES)


def test_four_tries_are_no_probable_lock_but_five_are():
    state = State(login_tries=[T0 + i for i in range(4)])
    assert not allowed(state, RIGHT, T0 + 10)
    assert state.locked_until is None
    state.login_tries = [*state.login_tries, T0 + 4]
    assert not allowed(state, RIGHT, T0 + 10)
    assert state.locked_until == T0 + 4 + THIRTY_MINUTES


@given(ahead=st.floats(0, 60))
def test_tries_stamped_ahead_of_our_clock_still_count(ahead):
    """A clock that stepped back (or another writer's) must not free two refused logins."""
    state = State(login_tries=[T0 + ahead, T0 + ahead + 0.5])
    assert not allowed(state, RIGHT, T0)
    assert len(guard.recent_tries(state, T0)) == 2


def test_the_window_is_ten_minutes_to_the_second():
    state = State(login_tries=[T0, T0 + 1])
    assert not allowed(state, RIGHT, T0 + TEN_MINUTES - 0.5)
    assert guard.recent_tries(state, T0 + TEN_MINUTES) == [T0 + 1]
    assert allowed(state, RIGHT, T0 + TEN_MINUTES)


def test_one_refused_login_does_not_stop_the_next():
    state = State()
    guard.count_try(state, T0)
    assert allowed(state, RIGHT, T0 + 1)
    assert state.login_tries == [T0]


def test_an_answered_login_leaves_the_other_tries_counted():
    state = State(login_tries=[T0, T0 + 5])
    guard.not_refused(state, T0)
    assert state.login_tries == [T0 + 5]
    guard.not_refused(state, T0 + 99)  # never counted: nothing changes
    assert state.login_tries == [T0 + 5]
    guard.not_refused(state, T0 + 5)
    assert state.login_tries is None


def test_rejected_credentials_wait_exactly_30_minutes():
    state = State()
    assert guard.rejected(state, WRONG, T0) == T0 + THIRTY_MINUTES
    assert not allowed(state, WRONG, T0 + THIRTY_MINUTES - 0.5)
    assert allowed(state, WRONG, T0 + THIRTY_MINUTES)
    assert allowed(state, RIGHT, T0 + 1)


def test_five_rejected_credential_sets_are_remembered_and_the_sixth_drops_the_oldest():
    state = State()
    sets = [Credentials("user", f"code-{i}") for i in range(6)]
    for i, creds in enumerate(sets[:5]):
        guard.rejected(state, creds, T0 + i)
    assert [allowed(state, c, T0 + 10) for c in sets[:5]] == [False] * 5
    guard.rejected(state, sets[5], T0 + 5)
    assert [allowed(state, c, T0 + 10) for c in sets] == [True] + [False] * 5
    # once the guard ran out (at its very end, too), a new rejection forgets the old sets
    guard.rejected(state, sets[5], T0 + 5 + THIRTY_MINUTES)
    assert allowed(state, sets[4], T0 + 6 + THIRTY_MINUTES)
    guard.rejected(state, sets[0], T0 + 5 + THIRTY_MINUTES)
    assert allowed(state, sets[1], T0 + 6 + THIRTY_MINUTES)
    assert not allowed(state, sets[0], T0 + 6 + THIRTY_MINUTES)


def test_a_later_probable_lock_never_shortens_an_earlier_one():
    state = State()
    assert guard.probable_lock(state, T0 + 100) == T0 + 100 + THIRTY_MINUTES
    assert guard.probable_lock(state, T0) == T0 + 100 + THIRTY_MINUTES
    assert guard.probable_lock(state, T0 + 200) == T0 + 200 + THIRTY_MINUTES


def test_a_damaged_stored_hash_matches_no_credentials():
    for stored in ("no-dollar-here", "$", "abc$def"):
        state = State(no_login_before=T0 + 100, rejected_credentials=stored)
        assert allowed(state, RIGHT, T0)


def test_the_stored_hash_is_salted_and_recognises_only_its_credentials():
    first, second = guard.credentials_hash(WRONG), guard.credentials_hash(WRONG)
    assert first != second  # salted: equal passwords do not look equal
    salt, digest = first.split("$")
    assert len(salt) == 16 and len(digest) == 64
    assert guard.credentials_hash(WRONG, salt) == first
    assert guard.credentials_hash(RIGHT, salt) != first


tries_before = st.lists(st.floats(-TEN_MINUTES + 1, 0), max_size=4)


@given(
    tries=tries_before,
    rejected_at=st.one_of(st.none(), st.floats(-THIRTY_MINUTES + 1, 0)),
    locked_at=st.one_of(st.none(), st.floats(-THIRTY_MINUTES + 1, 0)),
    same=st.booleans(),
)
def test_next_login_is_the_first_moment_the_guard_allows(tries, rejected_at, locked_at, same):
    """next_login (what every refusal promises) agrees with check: refused a moment before,
    allowed at it."""
    state = State(login_tries=[T0 + t for t in tries] or None)
    if rejected_at is not None:
        guard.rejected(state, WRONG, T0 + rejected_at)
    if locked_at is not None:
        guard.probable_lock(state, T0 + locked_at)
    creds = WRONG if same else RIGHT
    at = guard.next_login(state, creds, T0)
    assert at >= T0
    assert allowed(state, creds, at)
    if at > T0:
        assert not allowed(state, creds, at - 0.01)


def test_next_login_with_two_recent_tries_waits_for_the_older_to_leave_the_window():
    state = State(login_tries=[T0, T0 + 60, T0 + 120])
    assert guard.next_login(state, RIGHT, T0 + 130) == T0 + 60 + TEN_MINUTES


def test_refusals_say_until_when_in_utc():
    state = State(login_tries=[T0, T0 + 60])
    with pytest.raises(AccountLocked, match="before 2027-01-15 08:10 UTC"):
        guard.check(state, RIGHT, T0 + 120)


# --- a login refused for the quota: back off 5 min, 15, 1 h, 3 h, then 6 h at most ---------
def backed_off(state: State, now: float) -> bool:
    try:
        guard.check(state, RIGHT, now)
    except QuotaExceeded:
        return True
    return False


def test_quota_refusals_of_the_login_back_off_to_six_hours_at_most():
    state, now, waits = State(), T0, []
    for _ in range(7):
        until = guard.quota_refused(state, now)
        waits.append(until - now)
        assert backed_off(state, until - 0.001) and not backed_off(state, until)
        now = until
    assert waits == [300.0, 900.0, 3600.0, 10800.0, 21600.0, 21600.0, 21600.0]
    assert state.login_quota_refusals == 7


def test_a_correct_login_resets_the_back_off():
    state = State()
    guard.quota_refused(state, T0)
    guard.quota_refused(state, T0 + 300)
    guard.accepted(state, T0 + 1200)
    assert state.login_backoff_until is None and state.login_quota_refusals is None
    assert guard.quota_refused(state, T0 + 2000) == T0 + 2000 + 300  # from the first step


def test_the_back_off_message_says_until_when_that_it_may_be_the_address_and_what_to_do():
    state = State()
    guard.quota_refused(state, T0)
    guard.quota_refused(state, T0 + 300)
    said = guard.quota_backoff_message(state)
    assert utc(T0 + 300 + 900) in said and "2 times in a row" in said
    for words in ("address", "Lambda", "shared", "make run LIVE=1", "another AWS region"):
        assert words in said
    assert "Nothing in the secret is wrong" in said


def test_a_quota_back_off_does_not_count_as_a_wrong_login():
    state = State()
    guard.quota_refused(state, T0)
    assert not state.login_tries and state.no_login_before is None and state.locked_until is None
