"""Saving before a login or the readings (checkpoint.py): retried while the run has time, read
back before a login, and the call refused when the save fails."""

import pytest

from emulator.clock import FakeClock
from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS
from fusioncharge.checkpoint import save, save_before
from fusioncharge.clock import Deadline
from fusioncharge.errors import StateError, StateNotSaved
from fusioncharge.state import InMemoryStateStore, State


class FlakyStore(InMemoryStateStore):
    """An in-memory store whose first `failures` saves fail, as a throttled SSM would."""

    def __init__(self, failures: int, garbage: bool = False) -> None:
        super().__init__()
        self.failures, self.garbage, self.tries = failures, garbage, 0

    def save(self, state: State) -> None:
        self.tries += 1
        if self.tries <= self.failures:
            raise StateError("throttled")
        super().save(state)

    def load(self) -> State:
        return State(token="not what was saved") if self.garbage else super().load()


def test_a_failed_save_is_retried_after_0_3_then_1_then_2_seconds():
    clock = FakeClock()
    start = clock.now()
    store = FlakyStore(failures=3)
    save(store, State(token="t"), clock, Deadline.after(clock, 60))
    assert store.tries == 4 and store.saves == 1
    assert clock.now() - start == pytest.approx(3.3)


def test_four_failed_saves_raise_the_last_error():
    clock = FakeClock()
    store = FlakyStore(failures=4)
    with pytest.raises(StateError):
        save(store, State(), clock, None)
    assert store.tries == 4


def test_no_retry_starts_without_two_seconds_left_after_its_pause():
    clock = FakeClock()
    store = FlakyStore(failures=1)
    with pytest.raises(StateError):
        save(store, State(), clock, Deadline.after(clock, 2.29))
    assert store.tries == 1
    clock2, store2 = FakeClock(), FlakyStore(failures=1)
    save(store2, State(), clock2, Deadline.after(clock2, 2.35))
    assert store2.tries == 2


def test_a_save_before_a_login_is_read_back():
    clock = FakeClock()
    with pytest.raises(StateNotSaved, match="not making the login"):
        save_before(FlakyStore(0, garbage=True), State(token="t"), clock, None, "login")
    store = FlakyStore(0, garbage=True)
    save_before(store, State(token="t"), clock, None, "readings")  # not read back
    assert store.saves == 1


def test_no_save_and_no_call_without_time_for_the_slowest_save():
    clock = FakeClock()
    store = FlakyStore(0)
    with pytest.raises(StateNotSaved, match="not enough of the run left"):
        save_before(
            store, State(), clock, Deadline.after(clock, AWS_CALL_MAX_SECONDS - 0.1), "login"
        )
    assert store.tries == 0
    save_before(store, State(), clock, Deadline.after(clock, AWS_CALL_MAX_SECONDS), "login")
    assert store.saves == 1


def test_a_plain_save_is_not_read_back():
    store = FlakyStore(0, garbage=True)
    save(store, State(token="t"), FakeClock(), None)
    assert store.saves == 1


def test_a_retry_starts_with_exactly_its_pause_and_two_seconds_left():
    clock = FakeClock(start=0.0)  # small times: 0.3 + 2.0 is exactly 2.3
    store = FlakyStore(failures=1)
    save(store, State(), clock, Deadline.after(clock, 2.3))
    assert store.tries == 2
