"""Saving the state when Huawei's limits depend on it, retried within the run's deadline.

Before a login (the lockout guard's count) and before real-time calls (the quota mark), the
state must be in the store: a run that cannot save it does not make the call. A save before a
login is read back too, so a store that returns garbage cannot hide the count.
"""

from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import StateError, StateNotSaved
from fusioncharge.state import State, StateStore

RETRY_DELAYS = (0.3, 1.0, 2.0)  # seconds before each retry: throttling clears in moments
MIN_SECONDS_FOR_A_SAVE = 2.0  # do not start a retry with less of the run left


def save(store: StateStore, state: State, clock: Clock, deadline: Deadline | None) -> None:
    """Save; retry a failed save while the run has time. Raises the last StateError."""
    _retried(store, state, clock, deadline, verify=False)


def save_before(
    store: StateStore, state: State, clock: Clock, deadline: Deadline | None, call: str
) -> None:
    """Save before `call` (a login, the readings); raise StateNotSaved when that fails.

    Only with time for the slowest save left: the run's last save has its own margin.
    """
    if deadline is not None and deadline.remaining() < AWS_CALL_MAX_SECONDS:
        raise StateNotSaved(
            f"not enough of the run left to save the state before the {call}; not making it "
            "(the next run tries again)"
        )
    try:
        _retried(store, state, clock, deadline, verify=call == "login")
    except StateError as exc:
        raise StateNotSaved(
            f"{exc}; not making the {call} now: the saved state is what keeps the next runs "
            "from locking the FusionSolar account or breaking its quota."
        ) from None


def _retried(
    store: StateStore, state: State, clock: Clock, deadline: Deadline | None, *, verify: bool
) -> None:
    for delay in (0.0, *RETRY_DELAYS):
        if delay:
            left = deadline.remaining() if deadline is not None else float("inf")
            if left < delay + MIN_SECONDS_FOR_A_SAVE:
                break
            clock.sleep(delay)
        try:
            store.save(state)
            if verify and store.load().to_json() != state.to_json():
                raise StateError("the state read back from its store is not what was saved")
            return
        except StateError as exc:
            error = exc
    raise error
