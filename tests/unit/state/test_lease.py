"""The state's lease (state/lease.py) over a small in-memory SSM: the lease takes its SSM call as
an argument, so its rules run here without moto (tests/integration/state/test_lease.py runs
them on moto). What a damaged lease reads as, how far ahead a live lease may expire, and who
may write it free."""

import json
import logging

import pytest

from emulator.clock import FakeClock
from fusioncharge.errors import StateError, StateNotSaved
from fusioncharge.state.lease import FREE, SsmLease
from tests.support.lease_ssm import Ssm

NAME = "/t/fusionsolar-state-lease"
START = 1_700_000_000.0


def leases(count: int) -> tuple[Ssm, FakeClock, list[SsmLease]]:
    ssm, clock = Ssm(), FakeClock(START)
    return ssm, clock, [SsmLease(NAME, ssm, clock) for _ in range(count)]


def write(ssm: Ssm, value: str) -> None:
    ssm.put_parameter(Name=NAME, Value=value, Type="String", Overwrite=NAME in ssm.values)


def test_the_lease_names_its_holder_and_when_it_ends():
    ssm, _clock, (lease,) = leases(1)
    assert lease.acquire(START + 70)
    assert json.loads(ssm.values[NAME][0]) == {"holder": lease.holder, "until": START + 70}
    assert lease.look() == (1, START + 70, lease.holder)


@pytest.mark.parametrize(
    "value",
    [
        FREE,
        "garbage",
        "42",
        "[1700000070, 2]",
        '"written by hand"',
        '{"until": 1700000070}',
        '{"holder": "x"}',
        '{"holder": "x", "until": NaN}',
        '{"holder": "x", "until": Infinity}',
        '{"holder": "x", "until": true}',
        '{"holder": "x", "until": "soon"}',
        '{"holder": "x", "until": null}',
    ],
)
def test_a_free_or_damaged_lease_looks_as_ending_at_0_with_no_holder_and_is_taken(value):
    ssm, _clock, (lease,) = leases(1)
    write(ssm, value)
    write(ssm, value)
    assert lease.look() == (2, 0.0, "")
    assert lease.acquire(START + 70)
    assert lease.look() == (3, START + 70, lease.holder)


def test_a_lease_ending_up_to_960_seconds_ahead_is_live_and_no_further_is_damage():
    """Lambda's longest timeout (15 minutes) and a minute for clocks that differ: a lease
    ending later than that was not written by a run, and is taken over."""
    ssm, _clock, (lease,) = leases(1)
    write(ssm, json.dumps({"holder": "another run", "until": START + 960}))
    assert lease.look() == (1, START + 960, "another run")
    assert not lease.acquire(START + 70)
    write(ssm, json.dumps({"holder": "another run", "until": START + 961}))
    assert lease.acquire(START + 70)
    assert lease.look() == (3, START + 70, lease.holder)


def test_a_lease_is_free_at_the_second_it_ends_and_its_holder_no_longer_frees_it():
    _ssm, clock, (slow, other, third) = leases(3)
    assert slow.acquire(START + 60)
    clock.advance(59.5)
    assert not other.acquire(START + 200)
    clock.advance(0.5)  # exactly the end of slow's lease
    assert other.acquire(START + 200)
    slow.release()  # at its own end: not its lease any more
    assert other.look() == (2, START + 200, other.holder)
    assert not third.acquire(START + 200)


def test_a_holder_frees_its_lease_until_the_last_moment_before_it_ends():
    ssm, clock, (first, second) = leases(2)
    assert first.acquire(START + 60)
    clock.advance(59.5)
    first.release()
    assert ssm.values[NAME] == (FREE, 2)
    assert second.acquire(START + 200)


def test_a_run_whose_answer_was_lost_still_holds_the_lease_it_wrote():
    """The write reached SSM but its answer timed out: the run's next try finds its own
    mark and holds the lease, rather than waiting out its own lease."""
    ssm, _clock, (lease, other) = leases(2)
    ssm.lose_answers = 1
    with pytest.raises(StateNotSaved, match="ReadTimeoutError"):
        lease.acquire(START + 70)
    assert lease.acquire(START + 70)
    assert not other.acquire(START + 70)
    lease.release()
    assert other.acquire(START + 70)


def test_a_lease_that_cannot_be_written_is_a_state_not_saved_and_one_unread_is_not():
    ssm, _clock, (lease,) = leases(1)
    ssm.refuse = {"put_parameter"}
    with pytest.raises(StateNotSaved, match="not making the login or the readings") as written:
        lease.acquire(START + 70)
    assert written.value.push_to_chargehq
    ssm.refuse = {"get_parameter"}
    with pytest.raises(StateError, match="could not read the state's lease") as read:
        lease.acquire(START + 70)
    assert not isinstance(read.value, StateNotSaved)
    assert "AccessDeniedException" in str(read.value)


def test_a_release_that_cannot_write_leaves_the_lease_to_expire_and_says_so(caplog):
    ssm, _clock, (lease,) = leases(1)
    assert lease.acquire(START + 70)
    ssm.refuse = {"put_parameter"}
    with caplog.at_level(logging.INFO, logger="fusioncharge.state.lease"):
        lease.release()  # raises nothing: the run's outcome does not depend on it
    assert [r.name for r in caplog.records] == ["fusioncharge.state.lease"]
    assert "left to expire" in caplog.records[0].getMessage()
    assert ssm.values[NAME][1] == 1
