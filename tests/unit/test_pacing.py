"""The 5-minute promise on its own: pacing's rules on a State, no server and no sockets."""

import pytest

from fusioncharge.errors import CallTooSoon
from fusioncharge.fusionsolar import pacing
from fusioncharge.state import State

T0 = 1_800_000_000.0
INVERTER = 1


def read_at(at: float) -> State:
    return State(last_fetch={str(INVERTER): at})


def test_a_type_never_read_may_be_read_now():
    assert pacing.wait_for(State(), INVERTER, T0) == 0.0


def test_a_type_read_100_s_ago_waits_200_s():
    assert pacing.wait_for(read_at(T0 - 100), INVERTER, T0) == pytest.approx(200.0)


def test_a_clock_that_went_back_waits_at_most_5_minutes():
    assert pacing.wait_for(read_at(T0 + 3600), INVERTER, T0) == pacing.KPI_INTERVAL


def test_open_windows_need_no_wait():
    assert pacing.check_windows(read_at(T0 - 301), [INVERTER], T0, time_left=60) == 0.0


def test_a_window_a_few_seconds_away_is_waited_for_when_the_run_has_time():
    wait = pacing.check_windows(read_at(T0 - 290), [INVERTER], T0, time_left=60)
    assert wait == pytest.approx(10.0)


def test_a_short_wait_the_run_cannot_afford_is_refused():
    with pytest.raises(CallTooSoon):
        pacing.check_windows(read_at(T0 - 290), [INVERTER], T0, time_left=5)


def test_a_window_far_from_open_is_refused_saying_until_when():
    with pytest.raises(CallTooSoon, match=r"read 60 s ago.*not calling until"):
        pacing.check_windows(read_at(T0 - 60), [INVERTER], T0, time_left=600)


def test_a_lost_save_counts_the_last_runs_calls_until_its_pending_mark():
    state = State(kpi_pending=T0 - 30)
    with pytest.raises(CallTooSoon, match="state saved by the last run was lost"):
        pacing.check_windows(state, [INVERTER], T0, time_left=600)
    assert state.last_fetch[str(INVERTER)] == T0 - 30
    assert state.kpi_pending is None


def test_the_pending_mark_is_the_runs_end_or_a_minute():
    state = State()
    pacing.mark_pending(state, T0, run_end=T0 + 40)
    assert state.kpi_pending == T0 + 40
    pacing.mark_pending(state, T0, run_end=None)
    assert state.kpi_pending == T0 + pacing.PENDING_WITHOUT_DEADLINE


def test_without_a_stamp_the_call_counts_at_the_replys_arrival():
    assert pacing.counted_at(State(), T0, T0 + 0.4, stamp=None) == T0 + 0.4


def test_a_first_stamp_alone_is_not_trusted():
    state = State()
    assert pacing.counted_at(state, T0, T0 + 0.4, stamp=T0 + 0.2) == T0 + 0.4
    assert state.server_leads == [0.2]


def test_agreeing_stamps_place_the_call_before_the_arrival():
    state = State(server_leads=[0.2])
    counted = pacing.counted_at(state, T0, T0 + 0.4, stamp=T0 + 0.2)
    assert counted == pytest.approx(T0 + pacing.LEAD_MARGIN)


def test_a_bogus_stamp_far_ahead_falls_back_to_the_arrival():
    state = State(server_leads=[0.2, 0.2])
    assert pacing.counted_at(state, T0, T0 + 0.4, stamp=T0 + 3600) == T0 + 0.4


def test_only_the_last_leads_are_kept():
    state = State()
    for i in range(10):
        pacing.counted_at(state, T0, T0 + 1, stamp=T0 + 0.1 * i)
    assert len(state.server_leads or ()) == pacing.LEAD_SAMPLES


@pytest.mark.parametrize(
    ("leads", "expected"),
    [([], None), ([0.3], None), ([0.3, 0.2], 0.2), ([0.3, 0.2, 50.0], 0.2), ([5.0, 0.2], None)],
)
def test_lead_estimate(leads, expected):
    assert pacing.lead_estimate(leads) == expected
