"""The checkpoint's lease and its times (state/checkpoint.py, docs/design.md's racing-runs row):
a run holds the state's lease until 10 s after its deadline and never past the function's
60 s timeout, waits 15 s for another run's, lets it go when its read fails; failed reads and
saves are tried again after their pauses. Over an in-memory store with the real lease on an
in-memory SSM (tests/support/lease_ssm.py)."""

import pytest

from emulator.clock import FakeClock
from fusioncharge.clock import Deadline
from fusioncharge.errors import StateBusy, StateError
from fusioncharge.state import InMemoryStateStore, State
from fusioncharge.state.checkpoint import Checkpoint, save
from fusioncharge.state.lease import FREE, SsmLease
from tests.support.lease_ssm import Ssm

START = 1_700_000_000.0
LEASE = "/t/fusionsolar-state-lease"


class LeasedStore(InMemoryStateStore):
    """The state in memory, its lease on the shared in-memory SSM; each load and save is
    noted with the clock's time, and the first `failed_loads` loads and `failed_saves` saves
    fail as a throttled SSM would."""

    def __init__(
        self, ssm: Ssm, clock: FakeClock, failed_loads: int = 0, failed_saves: int = 0
    ) -> None:
        super().__init__(clock=clock)
        self.lease = SsmLease(LEASE, ssm, clock)
        self.failed_loads, self.failed_saves = failed_loads, failed_saves
        self.load_times: list[float] = []
        self.save_times: list[float] = []

    def load(self) -> State:
        self.load_times.append(self.clock.now())
        if len(self.load_times) <= self.failed_loads:
            raise StateError("throttled")
        return super().load()

    def save(self, state: State) -> None:
        self.save_times.append(self.clock.now())
        if len(self.save_times) <= self.failed_saves:
            raise StateError("throttled")
        super().save(state)


def lease_ends(ssm: Ssm) -> float:
    return SsmLease(LEASE, ssm, FakeClock()).look()[1]  # type: ignore[index]


@pytest.mark.parametrize(
    ("seconds_left", "ends"),
    [(46, START + 56), (50, START + 60), (60, START + 70), (300, START + 70), (None, START + 70)],
)
def test_a_run_holds_the_lease_until_10_s_after_its_deadline_and_no_longer_than_70_s(
    seconds_left, ends
):
    ssm, clock = Ssm(), FakeClock(START)
    deadline = None if seconds_left is None else Deadline.after(clock, seconds_left)
    Checkpoint(LeasedStore(ssm, clock), clock, deadline).load()
    assert lease_ends(ssm) == ends


def test_a_run_waits_15_seconds_for_another_runs_lease_then_reads_nothing():
    ssm, clock = Ssm(), FakeClock(START)
    Checkpoint(LeasedStore(ssm, clock), clock, Deadline.after(clock, 46)).load()
    manual = LeasedStore(ssm, clock)
    with pytest.raises(StateBusy, match="waited 15 s"):
        Checkpoint(manual, clock, Deadline.after(clock, 46)).load()
    assert clock.now() == START + 15
    assert manual.load_times == []


def test_a_run_whose_read_fails_lets_the_next_run_take_the_lease_at_once():
    ssm, clock = Ssm(), FakeClock(START)
    failing = LeasedStore(ssm, clock, failed_loads=2)
    with pytest.raises(StateError, match="throttled"):
        Checkpoint(failing, clock, Deadline.after(clock, 46)).load()
    assert ssm.values[LEASE][0] == FREE
    after = clock.now()
    Checkpoint(LeasedStore(ssm, clock), clock, Deadline.after(clock, 46)).load()
    assert clock.now() == after


def test_a_failed_read_is_tried_again_after_0_3_seconds():
    ssm, clock = Ssm(), FakeClock(START)
    store = LeasedStore(ssm, clock, failed_loads=1)
    Checkpoint(store, clock, Deadline.after(clock, 46)).load()
    assert store.load_times == [START, START + 0.3]


def test_failed_saves_are_tried_again_after_0_3_then_1_then_2_seconds():
    ssm, clock = Ssm(), FakeClock(START)
    store = LeasedStore(ssm, clock, failed_saves=3)
    save(store, State(token="t"), clock, Deadline.after(clock, 46))
    assert store.save_times == [START, START + 0.3, START + 1.3, START + 3.3]


def test_what_a_run_changes_after_its_save_is_kept_by_its_next_save_beside_a_racing_run():
    clock = FakeClock(START)
    store = InMemoryStateStore(clock=clock)
    ours, theirs = Checkpoint(store, clock), Checkpoint(store, clock)
    mine = ours.load()
    mine.token = "first"
    ours.save(mine)
    mine.token = "second"  # changed after the save: not what the store holds
    assert not ours.store_holds(mine)
    other = theirs.load()
    other.login_tries = [START - 5]
    theirs.save(other)
    ours.save(mine)
    saved = store.load()
    assert (saved.token, saved.login_tries) == ("second", [START - 5])
