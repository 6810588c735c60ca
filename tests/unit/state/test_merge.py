"""Merge rules read from the field table: values that follow a time travel with it."""

import copy

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

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
