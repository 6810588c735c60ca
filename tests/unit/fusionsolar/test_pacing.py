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


# The 5-minute promise's numbers (pacing.py), written out: a test that reads the module's own
# constants cannot notice when one of them goes wrong.

NOW = 1_800_000_000.0
INVERTER, SENSOR = 38, 47


def read_ago(**ago: float) -> State:
    types = {"inverter": INVERTER, "sensor": SENSOR}
    return State(last_fetch={str(types[k]): NOW - s for k, s in ago.items()})


def test_a_wait_of_up_to_30_s_is_waited_out_when_the_run_has_the_time():
    assert pacing.check_windows(read_ago(inverter=270), [INVERTER], NOW, time_left=30) == 30
    with pytest.raises(CallTooSoon):
        pacing.check_windows(read_ago(inverter=270), [INVERTER], NOW, time_left=29.9)
    with pytest.raises(CallTooSoon):
        pacing.check_windows(read_ago(inverter=269.5), [INVERTER], NOW, time_left=60)


def test_a_window_opening_in_half_a_second_is_waited_for():
    assert pacing.check_windows(read_ago(inverter=299.5), [INVERTER], NOW, 60) == 0.5


def test_the_longest_wait_decides_over_all_the_types():
    state = read_ago(inverter=300, sensor=200)  # the inverter's window is open, not the sensor's
    with pytest.raises(CallTooSoon, match="device type 47 was read 200 s ago"):
        pacing.check_windows(state, [INVERTER, SENSOR], NOW, 60)
    both = read_ago(inverter=295, sensor=285)  # 5 s and 15 s away
    assert pacing.check_windows(both, [INVERTER, SENSOR], NOW, 15) == 15
    with pytest.raises(CallTooSoon):
        pacing.check_windows(both, [INVERTER, SENSOR], NOW, 10)


def test_a_pending_mark_never_moves_a_later_read_back():
    state = read_ago(inverter=10)
    state.kpi_pending = NOW - 200
    with pytest.raises(CallTooSoon):
        pacing.check_windows(state, [INVERTER, SENSOR], NOW, 60)
    assert state.last_fetch == {str(INVERTER): NOW - 10, str(SENSOR): NOW - 200}
    assert state.kpi_pending is None


def test_a_run_without_a_deadline_marks_its_calls_pending_for_a_minute():
    state = State()
    pacing.mark_pending(state, NOW, None)
    assert state.kpi_pending == NOW + 60
    pacing.mark_pending(state, NOW, NOW + 900)
    assert state.kpi_pending == NOW + 900


def test_leads_are_kept_to_the_millisecond_below_and_six_at_most():
    state = State()
    pacing.counted_at(state, 1000.0, 1003.0, 1001.2345)
    assert state.server_leads == [1.234]
    for i in range(8):
        pacing.counted_at(state, 1000.0 + i, 1003.0 + i, 1001.0 + i + i / 8)
    assert state.server_leads == [1.0 + i / 8 for i in range(2, 8)]


def test_an_agreeing_stamp_places_the_call_half_a_second_after_the_earliest_it_could_count():
    # 0.5 s, not 0.05 s: jittery round trips once put calls inside Huawei's 300 s (issue 18).
    state = State(server_leads=[2.5])
    counted = pacing.counted_at(state, sent=1000.0, arrived=1010.0, stamp=1002.5)  # lead 2.5
    assert counted == pytest.approx(1000.5, abs=1e-9)
    later = pacing.counted_at(state, sent=1300.0, arrived=1310.0, stamp=1303.0)  # lead 3.0
    assert later == pytest.approx(1301.0, abs=1e-9)


@pytest.mark.parametrize(
    ("leads", "expected"),
    [
        ([10.0, 10.5], 10.0),
        ([10.0, 12.0], 10.0),  # 2 s apart still agree
        ([10.0, 12.5], None),
        ([0.5, 0.75], 0.5),
        ([-3.0, -1.0], -3.0),
        ([10.0, 12.0, 13.5], 12.0),  # agreeing with the newest, not with the one before
    ],
)
def test_leads_agree_within_two_seconds(leads, expected):
    assert pacing.lead_estimate(leads) == expected


@pytest.mark.parametrize("time_left", [-0.1, -4.0, 0.0])
def test_an_open_window_is_read_even_when_the_run_is_short_of_time(time_left):
    """The client passes its time left minus its timeouts: negative whenever less than the
    timeouts remain. A window that is open, even one that opens exactly now, is no quota
    matter: no CallTooSoon (a false quota error would cost the run its reading)."""
    assert pacing.check_windows(read_ago(inverter=300), [INVERTER], NOW, time_left) == 0.0
    assert (
        pacing.check_windows(read_ago(inverter=301, sensor=300), [INVERTER, SENSOR], NOW, time_left)
        == 0.0
    )
    assert pacing.check_windows(State(), [INVERTER], NOW, time_left) == 0.0


def test_a_lost_saves_pending_mark_wins_over_an_older_read():
    """The last run's save was lost after its calls: its mark (when they may have counted) is
    later than the read the state still remembers, and keeps this run out of that window."""
    state = read_ago(inverter=400)
    state.kpi_pending = NOW - 100
    with pytest.raises(CallTooSoon, match="state saved by the last run was lost"):
        pacing.check_windows(state, [INVERTER], NOW, time_left=60)
    assert state.last_fetch == {str(INVERTER): NOW - 100} and state.kpi_pending is None
    newer = read_ago(inverter=50)  # a read after the mark is kept
    newer.kpi_pending = NOW - 100
    with pytest.raises(CallTooSoon):
        pacing.check_windows(newer, [INVERTER], NOW, time_left=60)
    assert newer.last_fetch == {str(INVERTER): NOW - 50}
