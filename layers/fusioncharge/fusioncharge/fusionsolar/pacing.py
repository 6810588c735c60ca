"""The 5-minute promise: one getDevRealKpi per device type per 5 minutes, on Huawei's clock.

Pure functions on the State (no I/O): when each type may be read again, whether a run must
refuse before calling, the mark that the calls may count if the state saved after them is lost,
and when Huawei counted a call, estimated from its own clock stamps.
"""

import math

from fusioncharge.clock import utc
from fusioncharge.errors import CallTooSoon
from fusioncharge.state import State

KPI_INTERVAL = 300.0  # one getDevRealKpi per device type per 5 minutes
# Wait out a call this little too early; refuse a longer wait. Every run that waits sends its
# calls LEAD_MARGIN or so later than the last run did, until a wait is too long and the run is
# skipped (the windows start afresh): 30 s keeps that under 8 skipped runs a day with jitter.
MAX_PACING_WAIT = 30.0
PENDING_WITHOUT_DEADLINE = 60.0  # how late an unbounded run's readings may count
# Seconds for the trip to Huawei being shorter than the shortest of the recent ones, and for
# Huawei's clock losing time since then. 0.05 s let calls into the window when trips vary
# (0.3-1.2 s round trips: 43-49 refusals a day; its clock losing 1 s an hour: 130); 0.5 s
# leaves none in the simulated days (tests/integration/fusionsolar/test_pacing_drift.py,
# make bench).
LEAD_MARGIN = 0.5
LEAD_SAMPLES = 6  # Huawei's clock is judged on the last stamps: two runs of three device types
LEADS_AGREE = 2.0  # seconds: leads this close come from one clock (trips vary by less)


def wait_for(state: State, type_id: int, now: float) -> float:
    """Seconds until this type's window opens (0 or less: open)."""
    last = state.last_fetch.get(str(type_id))
    if last is None:
        return 0.0
    return min(last, now) + KPI_INTERVAL - now  # a clock that went back waits ≤ 5 min


def check_windows(state: State, type_ids: list[int], now: float, time_left: float) -> float:
    """Refuse all the calls, before any is made, when a window is far from open: raises
    CallTooSoon unless every type's wait is short and fits in `time_left` (seconds left for
    waiting). Returns the longest wait, 0 when every window is open. A pending mark left by
    a run whose save was lost is applied first."""
    pending = state.kpi_pending
    if pending is not None:  # the last run's save was lost: its calls may count until then
        for type_id in type_ids:
            key = str(type_id)
            state.last_fetch[key] = max(state.last_fetch.get(key, pending), pending)
        state.kpi_pending = None
    why = (
        "the state saved by the last run was lost, so its real-time calls may have counted "
        f"as late as {utc(pending)}"
        if pending is not None
        else None
    )
    waits = {t: wait_for(state, t, now) for t in type_ids}
    if not waits or max(waits.values()) <= 0:
        return 0.0
    type_id = max(waits, key=lambda t: waits[t])
    wait = waits[type_id]
    if wait <= MAX_PACING_WAIT and time_left >= wait:
        return wait  # each type waits for its own window as it is read
    why = why or f"device type {type_id} was read {KPI_INTERVAL - wait:.0f} s ago"
    raise CallTooSoon(
        f"FusionSolar allows one real-time call per device type every 5 minutes and {why}: "
        "not calling until "
        f"{utc(now + wait)}. Schedule runs at least 5 minutes apart, and do not let "
        "another app read the same account's devices."
    )


def mark_pending(state: State, now: float, run_end: float | None) -> None:
    """Note, before the calls, that they may count until the run's end: if the save after
    them is lost, the next run still keeps out of Huawei's 5-minute windows."""
    state.kpi_pending = run_end if run_end is not None else now + PENDING_WITHOUT_DEADLINE


def counted_at(state: State, sent: float, arrived: float, stamp: float | None) -> float:
    """When Huawei counted the call toward its 5-minute window, on our clock, erring late.

    The reply's arrival is a safe bound, but anchoring on it makes every run's calls
    later than the last run's by a round trip: on a 5-minute schedule the waits grow until
    a run must be refused. The server's own stamp (params.currentTime) avoids that drift:
    the lead (server time - our send time) is Huawei's clock offset plus the trip there;
    the least recent lead that another recent one agrees with (`lead_estimate`) gives
    server time - lead, the earliest our clock could have read when the call was counted.
    A stamp no other agrees with (a bogus one, or Huawei's clock just stepped) is not
    trusted: the arrival is used. Recent leads only, so a drifting clock is followed.
    """
    if stamp is None:
        return arrived
    lead = stamp - sent
    leads = [*(state.server_leads or ()), math.floor(lead * 1000) / 1000]
    state.server_leads = leads[-LEAD_SAMPLES:]
    estimate = lead_estimate(state.server_leads)
    if estimate is None or lead < estimate:
        return arrived
    return min(arrived, stamp - estimate + LEAD_MARGIN)


def lead_estimate(leads: list[float]) -> float | None:
    """The least of the leads that agree with the newest one, when another agrees with it;
    else the same for the leads before it (the newest is an outlier so far). None when no two
    leads agree. Leads are oldest first."""
    for end in range(len(leads), 1, -1):
        near = [x for x in leads[:end] if abs(x - leads[end - 1]) <= LEADS_AGREE]
        if len(near) >= 2:
            return min(near)
    return None
