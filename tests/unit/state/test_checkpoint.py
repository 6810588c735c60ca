"""The checkpoint keeps time by its store's slowest call, as the store states it."""

import pytest

from emulator.clock import FakeClock
from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS
from fusioncharge.clock import Deadline
from fusioncharge.errors import StateError, StateNotSaved
from fusioncharge.state import FileStateStore, InMemoryStateStore, State
from fusioncharge.state.checkpoint import Checkpoint, save, save_before
from fusioncharge.state.merge import merge
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


# Saving before a login or the readings (state/checkpoint.py): retried while the run has time, read
# back before a login, and the call refused when the save fails.


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


def test_no_retry_starts_without_a_whole_attempt_left_after_its_pause():
    assert AWS_CALL_MAX_SECONDS == 5.0  # one attempt: connect 2 s + read 3 s, no botocore retry
    clock = FakeClock()
    store = FlakyStore(failures=1)
    with pytest.raises(StateError):
        save(store, State(), clock, Deadline.after(clock, 5.29))
    assert store.tries == 1
    clock2, store2 = FakeClock(), FlakyStore(failures=1)
    save(store2, State(), clock2, Deadline.after(clock2, 5.35))
    assert store2.tries == 2


def test_not_even_the_first_save_starts_without_a_whole_attempt_left():
    clock = FakeClock(start=0.0)
    store = FlakyStore(failures=0)
    with pytest.raises(StateError, match="no time left"):
        save(store, State(), clock, Deadline.after(clock, 4.99))
    assert store.tries == 0
    save(store, State(), clock, Deadline.after(clock, 5.0))
    assert store.tries == 1


def test_a_failed_load_is_tried_once_more_only_with_time_for_it():
    class FlakyLoads(InMemoryStateStore):
        def __init__(self) -> None:
            super().__init__()
            self.loads = 0

        def load(self) -> State:
            self.loads += 1
            if self.loads == 1:
                raise StateError("throttled")
            return super().load()

    clock = FakeClock(start=0.0)
    store = FlakyLoads()
    with pytest.raises(StateError):
        Checkpoint(store, clock, Deadline.after(clock, 5.29)).load()
    assert store.loads == 1
    store = FlakyLoads()
    Checkpoint(store, clock, Deadline.after(clock, 5.3)).load()
    assert store.loads == 2


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


def test_a_retry_starts_with_exactly_its_pause_and_a_whole_attempt_left():
    clock = FakeClock(start=0.0)  # small times: 0.3 + 5.0 is exactly 5.3
    store = FlakyStore(failures=1)
    save(store, State(), clock, Deadline.after(clock, 5.3))
    assert store.tries == 2


# --- racing runs: every save merges what others saved since this run last loaded or saved ----
class QuietStore(InMemoryStateStore):
    """A store that can tell cheaply that nobody wrote (as SSM's version does): counts reads."""

    def __init__(self, clock: FakeClock, written: bool) -> None:
        super().__init__(clock=clock)
        self.written, self.loads = written, 0

    def changed(self) -> bool:
        return self.written

    def load(self) -> State:
        self.loads += 1
        return super().load()


def test_a_racing_runs_login_try_and_reading_time_survive_our_save():
    clock = FakeClock()
    now = clock.now()
    store = InMemoryStateStore(clock=clock)
    ours, theirs = Checkpoint(store, clock), Checkpoint(store, clock)
    mine, other = ours.load(), theirs.load()
    other.login_tries, other.last_fetch = [now - 5], {"38": now - 5}
    theirs.save(other)
    mine.token = "t"
    ours.save(mine)
    saved = store.load()
    assert (saved.token, saved.login_tries, saved.last_fetch) == ("t", [now - 5], {"38": now - 5})


def test_a_state_built_by_hand_keeps_its_fields_and_never_rolls_a_reading_time_back():
    clock = FakeClock()
    now = clock.now()
    store = InMemoryStateStore(clock=clock)
    store.save(State(token="old", token_issued_at=now - 60, last_fetch={"38": now - 5}))
    Checkpoint(store, clock).save(State(token="new", token_issued_at=now - 120))
    saved = store.load()
    assert (saved.token, saved.last_fetch) == ("new", {"38": now - 5})


def test_a_refresh_folds_in_what_racing_runs_saved_without_saving():
    clock = FakeClock()
    now = clock.now()
    store = InMemoryStateStore(clock=clock)
    ours, theirs = Checkpoint(store, clock), Checkpoint(store, clock)
    mine, other = ours.load(), theirs.load()
    other.login_tries = [now - 5]
    theirs.save(other)
    saves = store.saves
    ours.refresh(mine)
    assert mine.login_tries == [now - 5] and store.saves == saves
    unloaded = State()
    Checkpoint(store, clock).refresh(unloaded)  # nothing loaded: the store's content is the base
    assert unloaded.login_tries is None


def test_store_holds_says_whether_the_store_holds_the_state_as_this_run_left_it():
    clock = FakeClock()
    checkpoint = Checkpoint(InMemoryStateStore(clock=clock), clock)
    state = checkpoint.load()
    assert checkpoint.store_holds(state)
    state.token = "t"
    assert not checkpoint.store_holds(state)
    checkpoint.save(state)
    assert checkpoint.store_holds(state)


@pytest.mark.parametrize(("written", "loads"), [(False, 1), (True, 2)])
def test_a_store_that_says_nobody_wrote_is_not_read_again_before_a_save(written, loads):
    clock = FakeClock()
    store = QuietStore(clock, written)
    checkpoint = Checkpoint(store, clock)
    state = checkpoint.load()
    state.token = "t"
    checkpoint.save(state)
    assert store.loads == loads and store.load().token == "t"


def test_a_plain_save_writes_the_state_as_given():
    clock = FakeClock()
    now = clock.now()
    store = InMemoryStateStore(clock=clock)
    store.save(State(last_fetch={"38": now - 5}))
    save(store, State(token="t"), clock, None)
    assert store.load().last_fetch == {}


# --- the three-way merge itself (state/merge.py): each field's rule, always the safe side -----
def merged(base: State, ours: State, stored: State) -> State:
    merge(ours, base, stored)
    return ours


def test_what_only_a_racing_run_changed_is_theirs_even_when_older():
    base = State(token="a", token_issued_at=10.0)
    ours = State(token="a", token_issued_at=10.0)
    stored = State()  # their refused login forgot the token
    assert merged(base, ours, stored).token is None


@pytest.mark.parametrize(
    ("mine", "theirs", "kept"),
    [
        (("m", 0.5), ("t", 0.3), "m"),
        (("m", 0.5), (None, None), "m"),  # no time is the earliest
        ((None, None), ("t", 0.5), "t"),
        (("m", 60.0), ("t", 60.0), "m"),  # a tie keeps ours
        (("m", 60.0), ("t", 61.0), "t"),
    ],
)
def test_when_both_runs_changed_the_token_the_newer_one_wins(mine, theirs, kept):
    base = State(token="a", token_issued_at=0.2)
    ours = State(token=mine[0], token_issued_at=mine[1])
    stored = State(token=theirs[0], token_issued_at=theirs[1])
    assert merged(base, ours, stored).token == kept


@pytest.mark.parametrize(("mine", "theirs", "kept"), [(50.0, 60.0, "t"), (70.0, 60.0, "m")])
def test_when_both_runs_fetched_the_device_list_the_newer_one_wins(mine, theirs, kept):
    base = State(devices=[], devices_fetched_at=1.0)
    ours = State(devices=[{"id": "m"}], devices_fetched_at=mine)
    stored = State(devices=[{"id": "t"}], devices_fetched_at=theirs)
    assert merged(base, ours, stored).devices == [{"id": kept}]


@pytest.mark.parametrize(
    ("mine", "theirs", "kept"), [(800.0, 900.0, 900.0), (950.0, 900.0, 950.0), (None, 900.0, 900.0)]
)
def test_when_both_runs_changed_a_lock_the_later_one_wins(mine, theirs, kept):
    base = State(locked_until=100.0)
    assert merged(base, State(locked_until=mine), State(locked_until=theirs)).locked_until == kept


def test_credentials_either_run_saw_rejected_stay_guarded_until_the_later_guard():
    base = State(no_login_before=50.0, rejected_credentials="h0")
    ours = State(no_login_before=300.0, rejected_credentials="h1 h2")
    stored = State(no_login_before=200.0, rejected_credentials="h3")
    state = merged(base, ours, stored)
    assert (state.no_login_before, state.rejected_credentials) == (300.0, "h1 h2 h3")
    ours = State(no_login_before=100.0, rejected_credentials="h1 h2 h3 h4")
    stored = State(no_login_before=200.0, rejected_credentials="h5 h6")
    state = merged(base, ours, stored)
    assert (state.no_login_before, state.rejected_credentials) == (200.0, "h2 h3 h4 h5 h6")
    state = merged(base, State(no_login_before=100.0), State(no_login_before=200.0))
    assert (state.no_login_before, state.rejected_credentials) == (200.0, None)
