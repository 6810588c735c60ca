"""The checkpoint keeps time by its store's slowest call, as the store states it."""

import pytest

from emulator.clock import FakeClock
from fusioncharge.clock import Deadline
from fusioncharge.errors import StateError, StateNotSaved
from fusioncharge.state import FileStateStore, InMemoryStateStore, State
from fusioncharge.state.checkpoint import save, save_before
from fusioncharge.state.store import SsmStateStore


class QuickStore(InMemoryStateStore):
    """A store whose slowest call takes a second; its first `failures` saves fail."""

    slowest_call_seconds = 1.0

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.failures, self.tries = failures, 0

    def save(self, state: State) -> None:
        self.tries += 1
        if self.tries <= self.failures:
            raise StateError("throttled")
        super().save(state)


def test_a_save_before_a_login_needs_the_stores_slowest_call_left_and_no_more():
    clock = FakeClock()
    with pytest.raises(StateNotSaved, match="not enough of the run left"):
        save_before(QuickStore(), State(), clock, Deadline.after(clock, 0.9), "login")
    store = QuickStore()
    save_before(store, State(), clock, Deadline.after(clock, 1.0), "login")
    assert store.saves == 1


def test_a_retry_starts_only_with_its_pause_and_the_stores_slowest_call_left():
    clock = FakeClock()
    store = QuickStore(failures=1)
    with pytest.raises(StateError):
        save(store, State(), clock, Deadline.after(clock, 1.29))  # 0.3 s pause + 1 s call
    assert store.tries == 1
    store = QuickStore(failures=1)
    save(store, State(), clock, Deadline.after(clock, 1.31))
    assert store.tries == 2


def test_ssm_and_its_stand_ins_take_five_seconds_at_their_slowest(tmp_path):
    """One SSM attempt: 2 s to connect and 3 s to read, no botocore retry; the stand-ins keep
    the same margins so tests and LIVE runs save as the deployed function does."""
    ssm = SsmStateStore("/fusioncharge/state", client=None)
    stores = (ssm, InMemoryStateStore(), FileStateStore(tmp_path / "state.json"))
    assert [s.slowest_call_seconds for s in stores] == [5.0, 5.0, 5.0]
