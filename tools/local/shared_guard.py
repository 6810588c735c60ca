"""`make run LIVE=1` and `make discover LIVE=1` beside a deployed stack share its lockout guard.

Huawei counts wrong logins per account, whoever sends them: a LIVE tool with its own guard in
.local/ and the deployed function with its guard in SSM could each send 2 wrong logins in 10
minutes (4 together, one short of a lock). So beside a stack, the LIVE tools' store reads the
deployed guard with their own state, and writes their guard back into the deployed state
(merged three ways, as racing runs merge: state/merge.py). Their token and reading times stay
in .local/: only the guard is shared.
"""

import copy
from collections import Counter

from fusioncharge.clock import SystemClock
from fusioncharge.state import State, StateStore
from fusioncharge.state.checkpoint import Checkpoint
from fusioncharge.state.merge import merge

GUARD = ("login_tries", "locked_until", "no_login_before", "rejected_credentials")


def guard_of(state: State) -> State:
    """A State holding only `state`'s lockout guard."""
    return State(**{name: copy.deepcopy(getattr(state, name)) for name in GUARD})


class SharedGuardStore:
    """A LIVE tool's local store, with the deployed stack's guard folded in both ways."""

    def __init__(self, local: StateStore, deployed: StateStore) -> None:
        self.local = local
        self.deployed = deployed
        self.base: State | None = None  # the guard as the deployed state last held it

    @property
    def slowest_call_seconds(self) -> float:
        return self.deployed.slowest_call_seconds  # a local file is quick beside it

    def load(self) -> State:
        state = self.local.load()
        deployed = guard_of(self.deployed.load())
        tries = Counter(state.login_tries or ()) | Counter(deployed.login_tries or ())
        merge(state, State(), deployed)  # the later lock and guard of the two
        state.login_tries = sorted(tries.elements()) or None  # each try once
        self.base = deployed
        return state

    def save(self, state: State) -> None:
        self.local.save(state)
        # Under the deployed state's lease (a deployed run cannot save in between: its reading
        # times are kept as they are), and merged as a run's save is.
        deployed = Checkpoint(self.deployed, getattr(self.deployed, "clock", SystemClock()))
        stored = deployed.load()
        try:
            ours = guard_of(state)
            merge(ours, self.base or guard_of(stored), guard_of(stored))
            for name in GUARD:
                setattr(stored, name, getattr(ours, name))
            deployed.save(stored)
        finally:
            deployed.release()
        self.base = guard_of(stored)
