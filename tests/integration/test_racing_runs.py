"""Runs that overlap (a manual invoke on a scheduled run's seconds, `make status` or a LIVE tool
during a run) never lose a guard count, never roll a reading time back, never log in together
and never earn a 407. A barrier makes every run load the state before any of them saves.
"""

import threading
from collections.abc import Callable

import pytest

from emulator.clock import FakeClock
from emulator.fusionsolar import FusionSolarEmulator
from fusioncharge.checkpoint import Checkpoint
from fusioncharge.clock import Deadline
from fusioncharge.errors import BridgeError
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.fusionsolar.login_guard import WINDOW_SECONDS
from fusioncharge.models import BATTERY, POWER_SENSOR, RESIDENTIAL_INVERTER
from fusioncharge.state import InMemoryStateStore, State
from tests.integration.test_fusionsolar_client import RIGHT, scenario

TYPES = (RESIDENTIAL_INVERTER, POWER_SENSOR, BATTERY)


class BarrierStore(InMemoryStateStore):
    """Each thread's first load waits until every racing run has loaded."""

    def __init__(self, clock: FakeClock, runs: int, text: str | None = None) -> None:
        super().__init__(text, clock=clock)
        self.barrier = threading.Barrier(runs, timeout=10)
        self.local = threading.local()

    def load(self) -> State:
        state = super().load()
        if not getattr(self.local, "loaded", False):
            self.local.loaded = True
            self.barrier.wait()
        return state


def client_on(store, emu, clock, credentials=RIGHT) -> FusionSolarClient:
    deadline = Deadline.after(clock, 60)
    return FusionSolarClient.on_store(
        emu.base_url,
        credentials,
        store,
        clock=clock,
        deadline=deadline,
        timeouts=(1.0, 1.0),
    )


def one_run(store, emu, clock, credentials=RIGHT) -> None:
    client = client_on(store, emu, clock, credentials)
    try:
        client.readings(client.plant("Home"), TYPES)
    except BridgeError:
        pass
    finally:
        client.checkpoint.save(client.state)


def race(runs: int, work: Callable[[], None]) -> None:
    threads = [threading.Thread(target=work) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)


def logins_in_a_window(emu: FusionSolarEmulator) -> int:
    times = [c.time for c in emu.calls if c.interface == "login"]
    return max((sum(1 for t in times if s <= t < s + WINDOW_SECONDS) for s in times), default=0)


@pytest.mark.parametrize("runs", [2, 3])
def test_racing_runs_with_a_wrong_password_stay_within_two_logins(runs):
    clock = FakeClock()
    text = None
    with FusionSolarEmulator(scenario(), clock=clock, timeout_hold=1.0) as emu:
        for edit in range(5):  # a typo'd edit, then runs at once, every 2 minutes
            store = BarrierStore(clock, runs, text)
            wrong = Credentials("demo", f"typo-{edit}")
            race(runs, lambda s=store, c=wrong: one_run(s, emu, clock, c))
            sent = [c for c in emu.calls if c.interface == "login"]
            kept = State.from_json(store.text).login_tries or ()
            assert len(kept) >= len([c for c in sent if clock.now() - c.time < 60]), (
                "a racing run's refused login was lost from the guard"
            )
            text = store.text
            clock.set(clock.now() // 120 * 120 + 120)
        assert logins_in_a_window(emu) <= 2
        assert emu.count("login", "locked") == 0


@pytest.mark.parametrize("runs", [2, 3])
def test_racing_runs_never_log_in_together_nor_earn_a_407(runs):
    clock = FakeClock()
    with FusionSolarEmulator(scenario(), clock=clock, timeout_hold=1.0) as emu:
        store = BarrierStore(clock, runs)
        race(runs, lambda: one_run(store, emu, clock))
        assert emu.count("login") <= 1  # a second login would end the first one's session
        after = InMemoryStateStore(store.text, clock=clock)
        for _ in range(4):  # the scheduled runs after the race read as usual
            clock.advance(300)
            one_run(after, emu, clock)
        assert emu.count("getDevRealKpi", "quota") == 0
        assert emu.count("getDevRealKpi") >= 3 * 4


def test_make_status_during_a_run_does_not_roll_the_reading_times_back():
    clock = FakeClock()
    with FusionSolarEmulator(scenario(), clock=clock, timeout_hold=1.0) as emu:
        store = InMemoryStateStore(clock=clock)
        one_run(store, emu, clock)
        clock.advance(40 * 60)  # the token has expired: status logs in
        run = client_on(store, emu, clock)
        status = client_on(store, emu, clock)  # loaded before the run saves anything
        run.readings(run.plant("Home"), TYPES)
        run.checkpoint.save(run.state)
        read_at = dict(State.from_json(store.text).last_fetch)
        status.state.token = None
        status.list_plants()
        status.checkpoint.save(status.state)
        assert State.from_json(store.text).last_fetch == read_at
        clock.advance(300)
        one_run(store, emu, clock)
        assert emu.count("getDevRealKpi", "quota") == 0


def test_on_ssm_a_save_merges_only_when_another_run_wrote_in_between():
    """The merge read (a KMS decrypt) is spent only when the parameter's version moved."""
    import boto3
    from moto import mock_aws

    from fusioncharge.aws.state_store import SsmStateStore

    with mock_aws():
        ssm = boto3.client("ssm", region_name="eu-west-1")
        ssm.put_parameter(Name="/t/state", Value=State().to_json(), Type="SecureString")
        clock = FakeClock()
        run = Checkpoint(SsmStateStore("/t/state", ssm, clock), clock)
        status = Checkpoint(SsmStateStore("/t/state", ssm, clock), clock)
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
