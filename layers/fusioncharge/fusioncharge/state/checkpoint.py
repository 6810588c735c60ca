"""Saving the state when Huawei's limits depend on it, merged with racing runs, retried.

Before a login (the lockout guard's count) and before real-time calls (the quota mark), the
state must be in the store: a run that cannot save it does not make the call. A save before a
login is read back too, so a store that returns garbage cannot hide the count.

Runs may overlap (a manual invoke, `make status`, a LIVE tool). A store with a lease (SSM:
state/lease.py) lets one of them at a time load, change and save the state: the checkpoint
takes it before loading, waits a little for a holder to finish, and releases it when the run
ends (`release`). As a second line, every save re-reads the store and merges what racing
writers saved since this run last loaded or saved (state/merge.py): a guard count or a reading
time another run saved is never lost by this run's save. `Checkpoint` is the one way a run
loads and saves; it knows what it last saved, the base of that merge.
"""

import copy
from typing import Any

from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import StateBusy, StateError, StateNotSaved
from fusioncharge.state import State, StateStore
from fusioncharge.state.merge import merge

RETRY_DELAYS = (0.3, 1.0, 2.0)  # seconds before each retry: throttling clears in moments
LEASE_WAIT_SECONDS = 15.0  # how long a run waits for another's lease (a run takes seconds)
LEASE_POLL_SECONDS = 1.0
LEASE_SLACK_SECONDS = 10.0  # past the holder's deadline: clocks of two machines differ a little
RUN_MAX_SECONDS = 60.0  # the function's Timeout: a lease without a deadline lasts no longer


class Checkpoint:
    """The run's store: loads the state, and saves it merged with what others saved."""

    def __init__(
        self,
        store: StateStore,
        clock: Clock,
        deadline: Deadline | None = None,
        *,
        merging: bool = True,
    ) -> None:
        self.store = store
        self.clock = clock
        self.deadline = deadline
        self.merging = merging  # False: the caller owns the state alone (the old save())
        # What this run last loaded or saved; None before either: then the store's content is
        # taken as the base (a state built by hand keeps what it holds).
        self.base: State | None = None

    def load(self) -> State:
        """The stored state, under the store's lease when it has one (StateBusy while another
        holds it); a failed read is tried once more when the run has time for it."""
        self._take_lease()
        try:
            state = self._read()
        except BaseException:
            self.release()
            raise
        self.base = copy.deepcopy(state)
        return state

    def release(self) -> None:
        """The run is over: the next one may take the lease (a failure leaves it to expire)."""
        lease = self._lease()
        if lease is not None:
            lease.release()

    def _read(self) -> State:
        try:
            return self.store.load()
        except StateError:
            if not self._time_after(RETRY_DELAYS[0]):
                raise
            self.clock.sleep(RETRY_DELAYS[0])
            return self.store.load()

    def _lease(self) -> Any:
        return getattr(self.store, "lease", None)

    def _take_lease(self) -> None:
        """Hold the store's lease until this run's deadline (bounded by the function's
        timeout), waiting a little for a run that holds it; StateBusy after that."""
        lease = self._lease()
        if lease is None:
            return
        waited, error = 0.0, None
        while True:
            now = self.clock.now()
            ends = self.deadline.at if self.deadline is not None else now + RUN_MAX_SECONDS
            try:
                if lease.acquire(min(ends, now + RUN_MAX_SECONDS) + LEASE_SLACK_SECONDS):
                    return
                error = None
            except StateError as exc:
                error = exc  # throttled or slow: tried again while there is time
            if waited >= LEASE_WAIT_SECONDS or not self._time_after(LEASE_POLL_SECONDS):
                if error is not None:
                    raise error
                raise StateBusy(
                    "another run holds the state (a manual invoke, make status or a LIVE tool "
                    f"beside this one; waited {waited:.0f} s): this run reads nothing, so the two "
                    "cannot both log in or break Huawei's quota; the next run reads"
                )
            self.clock.sleep(LEASE_POLL_SECONDS)
            waited += LEASE_POLL_SECONDS

    def store_holds(self, state: State) -> bool:
        """True when the store holds `state` as it is: as this run last saved (or loaded) it."""
        return state == self.base

    def refresh(self, state: State) -> None:
        """Fold what racing runs saved since this run's last save into `state`, unsaved."""
        stored = self.store.load()
        merge(state, stored if self.base is None else self.base, stored)
        self.base = stored

    def save(self, state: State) -> None:
        """Save; retry a failed save while the run has time. Raises the last StateError."""
        self._retried(state, verify=False)

    def before(self, state: State, call: str, *, verify: bool | None = None) -> None:
        """Save before `call` (a login, the readings); raise StateNotSaved when that fails.
        A save before a login is read back, unless the caller reads it back itself (`verify`).

        Only with time for the slowest save left: the run's last save has its own margin.
        """
        deadline = self.deadline
        if deadline is not None and deadline.remaining() < self.store.slowest_call_seconds:
            raise StateNotSaved(
                f"not enough of the run left to save the state before the {call}; not making "
                "it (the next run tries again)"
            )
        try:
            self._retried(state, verify=call == "login" if verify is None else verify)
        except StateError as exc:
            raise StateNotSaved(
                f"{exc}; not making the {call} now: the saved state is what keeps the next runs "
                "from locking the FusionSolar account or breaking its quota."
            ) from None

    def _maybe_changed(self) -> bool:
        """False only when the store can tell, cheaply, that nobody wrote since our last save."""
        if self.base is None:
            return True
        changed = getattr(self.store, "changed", None)
        return True if changed is None else bool(changed())

    def _retried(self, state: State, *, verify: bool) -> None:
        error = StateError("the state was not saved: no time left in the run to try")
        for delay in (0.0, *RETRY_DELAYS):
            if not self._time_after(delay):
                break  # each attempt needs time for one whole call at its slowest
            self.clock.sleep(delay)
            try:
                self._merge_and_save(state, verify)
                return
            except StateError as exc:
                error = exc
        raise error

    def _time_after(self, delay: float) -> bool:
        """Whether, after waiting `delay`, the run still has time for the store's slowest call."""
        deadline = self.deadline
        return deadline is None or deadline.remaining() >= delay + self.store.slowest_call_seconds

    def _merge_and_save(self, state: State, verify: bool) -> None:
        if self.merging and self._maybe_changed():
            stored = self.store.load()
            merge(state, stored if self.base is None else self.base, stored)
        self.store.save(state)
        self.base = copy.deepcopy(state)  # written: a retry merges against it
        if verify and self.store.load().to_json() != state.to_json():
            # Garbage, or a racing run saved in between: merged again on the retry.
            raise StateError("the state read back from its store is not what was saved")


def save(store: StateStore, state: State, clock: Clock, deadline: Deadline | None) -> None:
    """Save, unmerged (for a caller that owns the state alone); see Checkpoint.save."""
    Checkpoint(store, clock, deadline, merging=False).save(state)


def save_before(
    store: StateStore, state: State, clock: Clock, deadline: Deadline | None, call: str
) -> None:
    """Save before `call`, unmerged; see Checkpoint.before."""
    Checkpoint(store, clock, deadline, merging=False).before(state, call)
