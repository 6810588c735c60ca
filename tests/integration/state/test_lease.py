"""The state's lease on SSM (moto): one writer at a time, a stale lease taken over by exactly
one writer, a holder past its time never frees another's lease. Every interleaving is written
out step by step: nothing depends on threads or on the machine's speed."""

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from emulator.clock import FakeClock
from fusioncharge.clock import Deadline
from fusioncharge.errors import StateBusy, StateError
from fusioncharge.state.checkpoint import (
    LEASE_SLACK_SECONDS,
    LEASE_WAIT_SECONDS,
    Checkpoint,
)
from fusioncharge.state.lease import SsmLease
from fusioncharge.state.store import SsmStateStore
from tests.support.aws_faults import answer_with_error

NAME = "/t/fusionsolar-state"
LEASE = f"{NAME}-lease"


@pytest.fixture
def ssm() -> Iterator[object]:
    with mock_aws():
        yield boto3.client("ssm", region_name="eu-west-1")


def lease(ssm: object, clock: FakeClock) -> SsmLease:
    return SsmStateStore(NAME, ssm, clock).lease


def test_one_writer_at_a_time_and_the_next_after_a_release(ssm) -> None:
    clock = FakeClock()
    first, second = lease(ssm, clock), lease(ssm, clock)
    assert first.acquire(clock.now() + 60)
    assert not second.acquire(clock.now() + 60)
    first.release()
    assert second.acquire(clock.now() + 60)
    assert not first.acquire(clock.now() + 60)


def test_only_one_of_two_writers_creates_the_first_lease(ssm) -> None:
    clock = FakeClock()
    first, second = lease(ssm, clock), lease(ssm, clock)
    assert first.look() is None and second.look() is None  # both see no lease yet
    assert first.create(clock.now() + 60)
    assert not second.create(clock.now() + 60)


def test_a_stale_lease_is_taken_by_exactly_one_of_two_writers(ssm) -> None:
    clock = FakeClock()
    dead = lease(ssm, clock)
    assert dead.acquire(clock.now() + 60)  # its run was killed: never released
    clock.advance(61)
    first, second, third = lease(ssm, clock), lease(ssm, clock), lease(ssm, clock)
    seen_first, seen_second = first.look(), second.look()
    assert seen_first == seen_second and seen_first is not None  # both see it stale
    assert first.take(seen_first[0], clock.now() + 60)
    assert not second.take(seen_second[0], clock.now() + 60)  # its write came second
    assert not third.acquire(clock.now() + 60)  # and the lease shows live to the rest


def test_a_holder_past_its_time_does_not_free_the_lease_another_took(ssm) -> None:
    clock = FakeClock()
    slow, other, third = lease(ssm, clock), lease(ssm, clock), lease(ssm, clock)
    assert slow.acquire(clock.now() + 60)
    clock.advance(61)
    assert other.acquire(clock.now() + 60)
    slow.release()  # too late: not its lease any more
    assert not third.acquire(clock.now() + 60)


@pytest.mark.parametrize(
    "value", ["garbage", '{"holder": "x", "until": 1e300}', '{"until": NaN, "holder": "x"}']
)
def test_a_damaged_lease_is_taken_over(ssm, value) -> None:
    ssm.put_parameter(Name=LEASE, Value=value, Type="String")
    clock = FakeClock()
    assert lease(ssm, clock).acquire(clock.now() + 60)


def test_a_run_waits_for_the_lease_then_reads_nothing_and_says_why(ssm) -> None:
    clock = FakeClock()
    run = Checkpoint(SsmStateStore(NAME, ssm, clock), clock, Deadline.after(clock, 46))
    run.load()
    started = clock.now()
    manual = Checkpoint(SsmStateStore(NAME, ssm, clock), clock, Deadline.after(clock, 46))
    with pytest.raises(StateBusy, match="another run holds the state"):
        manual.load()
    assert clock.now() - started == pytest.approx(LEASE_WAIT_SECONDS)
    run.release()
    manual.load()  # the next one reads


def test_a_run_killed_holding_the_lease_holds_it_no_longer_than_its_deadline(ssm) -> None:
    clock = FakeClock()
    killed = Checkpoint(SsmStateStore(NAME, ssm, clock), clock, Deadline.after(clock, 46))
    killed.load()  # never released
    clock.advance(46 + LEASE_SLACK_SECONDS)
    nxt = Checkpoint(SsmStateStore(NAME, ssm, clock), clock, Deadline.after(clock, 46))
    nxt.load()


def test_a_lease_write_refused_by_aws_is_a_state_error_after_the_retries(ssm) -> None:
    clock = FakeClock()
    answer_with_error(ssm, "PutParameter", "AccessDeniedException")
    run = Checkpoint(SsmStateStore(NAME, ssm, clock), clock, Deadline.after(clock, 46))
    with pytest.raises(StateError, match="lease parameter"):
        run.load()
