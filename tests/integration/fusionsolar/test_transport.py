"""The FusionSolar client against the emulator over loopback HTTP.

Client and emulator share one FakeClock; each "run" is a fresh client on state that went
through JSON (InMemoryStateStore), as a Lambda invocation with its state in SSM."""

import logging
import socket

import pytest

from fusioncharge.errors import (
    CredentialsRejected,
    FusionSolarUnavailable,
    QuotaExceeded,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar import FusionSolarClient
from fusioncharge.models import RESIDENTIAL_INVERTER, Device
from fusioncharge.state import InMemoryStateStore, State
from tests.integration.fusionsolar.runs import READ_TIMEOUT, RIGHT, WRONG, make_runs

# --- faults ----------------------------------------------------------------------------------
FAULTS = [
    ("http_500", None, FusionSolarUnavailable),
    ("http_403_quota", None, QuotaExceeded),
    ("http_429", None, QuotaExceeded),
    ("timeout", None, FusionSolarUnavailable),
    ("html", None, FusionSolarUnavailable),
    ("empty_body", None, FusionSolarUnavailable),
    ("truncated_json", None, FusionSolarUnavailable),
    ("fail_code", 407, QuotaExceeded),
    ("fail_code", 20618, QuotaExceeded),
    ("fail_code", 20004, FusionSolarUnavailable),
    ("fail_code", 401, UnexpectedResponse),
    ("fail_code", 12345, UnexpectedResponse),
]


@pytest.mark.parametrize("interface", ["stations", "getDevList", "getDevRealKpi"])
@pytest.mark.parametrize(("kind", "code", "error"), FAULTS)
def test_every_fault_gives_its_typed_error(clock, request, interface, kind, code, error):
    fault = {"interface": interface, "kind": kind, "fail_code": code}
    runs = make_runs(clock, request, faults=[fault])
    with pytest.raises(error) as caught:
        runs.run(timeouts=(1.0, READ_TIMEOUT))
    message = str(caught.value)
    assert interface in message
    assert RIGHT.system_code not in message and (runs.state.token or "\0") not in message
    tries = runs.emu.count(interface)
    retried = kind == "http_500" and interface != "getDevRealKpi"  # a 5xx, but not a reading
    assert tries == (2 if retried else 1)
    assert runs.client.calls == runs.emu.count()


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("http_500", FusionSolarUnavailable),
        ("timeout", FusionSolarUnavailable),
        ("http_429", QuotaExceeded),
        ("empty_body", CredentialsRejected),  # how FusionSolar says "wrong password"
        ("html", FusionSolarUnavailable),
    ],
)
def test_login_faults_are_never_retried(clock, request, kind, error):
    runs = make_runs(clock, request, faults=[{"interface": "login", "kind": kind}])
    with pytest.raises(error):
        runs.run(timeouts=(1.0, READ_TIMEOUT))
    assert runs.emu.count("login") == 1


def test_a_single_5xx_is_retried_once_then_succeeds(runs, emu):
    emu.fault_next("getDevList", "http_500")
    assert len(runs.run()) == 3
    assert emu.count("getDevList") == 2
    assert runs.client.calls == emu.count() == 7


def test_no_retry_when_the_run_has_no_time_for_it(runs, emu):
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("stations", "http_500")
    with pytest.raises(FusionSolarUnavailable, match="HTTP 500"):
        # a whole retry needs 4 s, the run has 3
        runs.new_client(seconds=3, timeouts=(2.0, 2.0)).list_plants()
    assert emu.count("stations") == 1 + 1


def test_a_reading_call_answered_5xx_is_not_sent_again(runs, emu):
    """Huawei may have counted the call behind a 5xx: a retry within 5 minutes is a 407."""
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("getDevRealKpi", "http_500")
    with pytest.raises(FusionSolarUnavailable, match="HTTP 500"):
        runs.run()
    assert emu.count("getDevRealKpi") == 3 + 1


def test_quota_403_is_not_retried_and_counts_for_pacing(runs, emu):
    emu.fault_next("getDevRealKpi", "http_403_quota")
    with pytest.raises(QuotaExceeded, match="HTTP 403"):
        runs.run()
    assert emu.count("getDevRealKpi") == 1
    assert str(RESIDENTIAL_INVERTER) in runs.state.last_fetch


def test_read_timeout_is_short_and_counts_for_pacing(runs, emu):
    runs.run()
    runs.clock.advance(300)
    emu.fault_next("getDevRealKpi", "timeout")
    with pytest.raises(FusionSolarUnavailable, match="timed out"):
        runs.run(timeouts=(1.0, READ_TIMEOUT))
    assert runs.state.last_fetch[str(RESIDENTIAL_INVERTER)] == runs.clock.now()
    assert emu.count("getDevRealKpi") == 4


def test_connection_refused_is_unavailable_and_does_not_count(clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state = State(token="t", token_issued_at=clock.now(), plant_code="NE=1", plant_for_station="H")
    state.devices, state.devices_fetched_at = (
        [Device(1, "i", 38, "NE=1")],
        clock.now(),
    )
    store = InMemoryStateStore(clock=clock)
    store.save(state)
    client = FusionSolarClient.on_store(
        f"http://127.0.0.1:{port}", RIGHT, store, clock=clock, timeouts=(1, 1)
    )
    with pytest.raises(FusionSolarUnavailable, match="could not connect"):
        client.readings(client.plant("H"), [38])
    assert client.state.last_fetch == {}
    assert client.calls == 1


def test_a_reply_over_1_mib_is_refused(clock, request):
    huge = {"devId": 1000000012345602, "dataItemMap": {"active_power": 1, "junk": "x" * (1 << 20)}}
    runs = make_runs(clock, request, kpis={str(RESIDENTIAL_INVERTER): [huge]})
    with pytest.raises(UnexpectedResponse, match="KiB"):
        runs.run()


def test_logs_hold_no_secret(runs, emu, caplog):
    caplog.set_level(logging.DEBUG)
    runs.run()
    tokens = [runs.state.token]
    emu.expire_tokens()
    runs.clock.advance(300)
    runs.run()
    tokens.append(runs.state.token)
    runs.clock.advance(300)
    emu.expire_tokens()
    with pytest.raises(CredentialsRejected):
        runs.run(WRONG)
    text = caplog.text
    assert "logged in" in text and "getDevRealKpi" in text and "rejected" in text.lower()
    assert RIGHT.system_code not in text and WRONG.system_code not in text
    assert all(token and token not in text for token in tokens)
