"""The state's promises on damage (state.py): a damaged state starts over keeping each sound
lockout-guard field, and no time further ahead than a clock can drift survives."""

import json

from hypothesis import given
from hypothesis import strategies as st

from fusioncharge.errors import StateError
from fusioncharge.state import State, start_over

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
