"""Runs that overlap (a manual invoke on a scheduled run's seconds, `make status` or a LIVE tool
during a run) never lose a guard count, never roll a reading time back, never log in together
and never earn a 407. The state's lease (SSM, moto) lets one of them at a time read and save;
every overlap is written out step by step (a run that has loaded, then another starting), so
nothing depends on threads or on how busy the machine is.
"""

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from fusioncharge.clock import Deadline
from fusioncharge.errors import BridgeError, StateBusy
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.fusionsolar.login_guard import WINDOW_SECONDS
from fusioncharge.models import BATTERY, POWER_SENSOR, RESIDENTIAL_INVERTER
from fusioncharge.state import State
from fusioncharge.state.checkpoint import Checkpoint
from fusioncharge.state.store import SsmStateStore
from tests.integration.fusionsolar.runs import RIGHT, scenario

TYPES = (RESIDENTIAL_INVERTER, POWER_SENSOR, BATTERY)
NAME = "/t/fusionsolar-state"


@pytest.fixture
def ssm() -> Iterator[object]:
    with mock_aws():
        yield boto3.client("ssm", region_name="eu-west-1")


def client_on(ssm, emu, clock, credentials=RIGHT) -> FusionSolarClient:
    """A run (or make status) starting now: it takes the lease and loads the state."""
    deadline = Deadline.after(clock, 46)
    return FusionSolarClient.on_store(
        emu.base_url,
        credentials,
        SsmStateStore(NAME, ssm, clock, deadline),
        clock=clock,
        deadline=deadline,
        timeouts=(2.0, 5.0),  # no held replies here: room for a loaded machine
    )


def finish(client: FusionSolarClient) -> None:
    """The rest of a run that has loaded: its readings, its save, the lease released."""
    try:
        client.readings(client.plant("Home"), TYPES)
    except BridgeError:
        pass
    finally:
        client.checkpoint.save(client.state)
        client.checkpoint.release()


def one_run(ssm, emu, clock, credentials=RIGHT) -> None:
    finish(client_on(ssm, emu, clock, credentials))


def stored(ssm) -> State:
    reply = ssm.get_parameter(Name=NAME, WithDecryption=True)
    return State.from_json(reply["Parameter"]["Value"])


def started_beside(ssm, emu, clock, credentials=RIGHT) -> bool:
    """A run starting while another holds the state: True when it read nothing (busy)."""
    calls = len(emu.calls)
    at = clock.now()
    try:
        client = client_on(ssm, emu, clock, credentials)
    except StateBusy:
        clock.set(at)  # its wait was its own: the run it waited for goes on from `at`
        return len(emu.calls) == calls
    finish(client)
    return False


@pytest.mark.parametrize("runs", [2, 3])
def test_overlapping_runs_with_a_wrong_password_stay_within_two_logins(ssm, runs):
    clock = FakeClock()
    with FusionSolarEmulator(scenario(), clock=clock) as emu:
        for edit in range(5):  # a typo'd edit, then runs at once, every 2 minutes
            wrong = Credentials("demo", f"typo-{edit}")
            first = client_on(ssm, emu, clock, wrong)
            assert all(started_beside(ssm, emu, clock, wrong) for _ in range(runs - 1))
            finish(first)
            sent = [c for c in emu.calls if c.interface == "login"]
            kept = stored(ssm).login_tries or ()
            assert len(kept) >= len([c for c in sent if clock.now() - c.time < 60]), (
                "a refused login was lost from the guard"
            )
            clock.set(clock.now() // 120 * 120 + 120)
        assert logins_in_a_window(emu) <= 2
        assert emu.count("login", "locked") == 0


@pytest.mark.parametrize("runs", [2, 3])
def test_overlapping_runs_never_log_in_together_nor_earn_a_407(ssm, runs):
    clock = FakeClock()
    with FusionSolarEmulator(scenario(), clock=clock) as emu:
        first = client_on(ssm, emu, clock)
        assert all(started_beside(ssm, emu, clock) for _ in range(runs - 1))
        finish(first)
        assert emu.count("login") == 1  # a second login would end the first one's session
        for _ in range(4):  # the scheduled runs after the overlap read as usual
            clock.advance(300)
            one_run(ssm, emu, clock)
        assert emu.count("getDevRealKpi", "quota") == 0
        assert emu.count("getDevRealKpi") == 3 * 5


def test_make_status_during_a_run_waits_and_never_rolls_the_quota_clock_back(ssm):
    clock = FakeClock()
    with FusionSolarEmulator(scenario(), clock=clock) as emu:
        one_run(ssm, emu, clock)
        clock.advance(40 * 60)  # the token has expired: status logs in
        run = client_on(ssm, emu, clock)
        run.state.kpi_pending = clock.now() + 30  # as the readings' mark would be
        run.checkpoint.save(run.state)
        assert started_beside(ssm, emu, clock)  # make status while the run holds the state
        run.state.kpi_pending = None
        finish(run)
        read_at = dict(stored(ssm).last_fetch)
        status = client_on(ssm, emu, clock)  # after the run: it loads what the run saved
        status.state.token = None
        status.list_plants()
        status.checkpoint.save(status.state)
        status.checkpoint.release()
        assert stored(ssm).last_fetch == read_at and stored(ssm).kpi_pending is None
        clock.advance(300)
        one_run(ssm, emu, clock)
        assert emu.count("getDevRealKpi", "quota") == 0


def logins_in_a_window(emu: FusionSolarEmulator) -> int:
    times = [c.time for c in emu.calls if c.interface == "login"]
    return max((sum(1 for t in times if s <= t < s + WINDOW_SECONDS) for s in times), default=0)


def test_without_the_lease_a_save_still_merges_what_another_writer_saved(ssm):
    """The second line: a writer that takes no lease (a tool of an older version) cannot roll
    the run's reading times back either; the merge read (a KMS decrypt) is spent only when the
    parameter's version moved."""
    ssm.put_parameter(Name="/t/state", Value=State().to_json(), Type="SecureString")
    clock = FakeClock()
    run = Checkpoint(SsmStateStore("/t/state", ssm, clock), clock)
    older = SsmStateStore("/t/state", ssm, clock)
    older.lease = None  # type: ignore[assignment]
    status = Checkpoint(older, clock)
    ours, theirs = run.load(), status.load()
    ours.last_fetch["38"] = clock.now()
    run.save(ours)
    assert run.store.changed() is False  # nobody else wrote: no merge read needed
    theirs.token, theirs.token_issued_at = "x-status", clock.now()
    status.save(theirs)  # loaded before the run saved: merged, not rolled back
    kept = State.from_json(
        ssm.get_parameter(Name="/t/state", WithDecryption=True)["Parameter"]["Value"]
    )
    assert kept.last_fetch == {"38": clock.now()} and kept.token == "x-status"
