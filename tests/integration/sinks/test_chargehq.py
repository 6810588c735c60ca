"""ChargeHqClient against the ChargeHQ receiver over real loopback HTTP: success, faults, retry."""

import logging

import pytest
import requests

from emulator.clock import FakeClock
from emulator.httpserve import LoopbackServer, Reply, Request
from emulator.receivers.chargehq import ChargeHqReceiver
from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Deadline
from fusioncharge.errors import ChargeHqRejected, ChargeHqUnavailable
from fusioncharge.sinks.chargehq import ChargeHqClient

KEY = "0b7c2e4e-0000-4000-8000-0000000c0ffe"
METERS = SiteMeters(
    production_kw=0.9,
    net_import_kw=0.8,
    consumption_kw=3.2,
    battery_discharge_kw=1.5,
    battery_soc=0.62,
    tsms=1_700_000_000_000,
)
SHORT = 1.0  # client read timeout, whole seconds; the receiver holds "timeout" requests 2 s


@pytest.fixture
def receiver():
    with ChargeHqReceiver(api_key=KEY, timeout_hold=2.0) as rcv:
        yield rcv


def client(url: str, **kwargs) -> ChargeHqClient:
    return ChargeHqClient(url, KEY, timeout=kwargs.pop("timeout", SHORT), **kwargs)


def test_push_site_meters(receiver):
    sent = client(receiver.url).push_site_meters(METERS)
    [push] = receiver.pushes
    assert (push.status, push.problems, push.fault) == (200, [], None)
    assert push.body == sent
    assert push.body["siteMeters"]["consumption_kw"] == 3.2
    assert push.body["tsms"] == 1_700_000_000_000


def test_push_error(receiver):
    client(receiver.url).push_error("readings_unavailable: FusionSolar timed out")
    [push] = receiver.pushes
    assert push.problems == []
    assert push.body == {"apiKey": KEY, "error": "readings_unavailable: FusionSolar timed out"}


def test_a_single_500_is_retried_once(receiver):
    receiver.fault_next("http_500")
    client(receiver.url).push_site_meters(METERS)
    assert [(p.status, p.fault) for p in receiver.pushes] == [(500, "http_500"), (200, None)]
    assert receiver.pushes[0].body == receiver.pushes[1].body


def test_two_500s_give_up_after_one_retry(receiver):
    receiver.fault_next("http_500")
    receiver.fault_next("http_500")
    with pytest.raises(ChargeHqUnavailable, match="HTTP 500") as caught:
        client(receiver.url).push_site_meters(METERS)
    assert len(receiver.pushes) == 2
    assert "Service temporarily unavailable" in str(caught.value)  # excerpt of the reply


@pytest.mark.parametrize(
    ("kind", "status", "advice"),
    [
        ("http_429", 429, "fewer pushes"),
        ("http_403_quota", 403, "chargehq_api_key"),
        ("http_401", 401, "chargehq_api_key"),
        ("http_400", 400, "not accepted"),
    ],
)
def test_4xx_is_rejected_without_retry(receiver, kind, status, advice):
    receiver.fault_next(kind)
    with pytest.raises(ChargeHqRejected, match=f"HTTP {status}") as caught:
        client(receiver.url).push_site_meters(METERS)
    assert len(receiver.pushes) == 1
    assert advice in str(caught.value)
    assert KEY not in str(caught.value)


def test_a_reply_that_echoes_the_key_is_scrubbed(receiver):
    receiver.fault_next("http_400")  # answers "invalid request: <the body, key and all>"
    with pytest.raises(ChargeHqRejected) as caught:
        client(receiver.url).push_site_meters(METERS)
    assert '"apiKey":"***"' in str(caught.value)
    assert KEY not in str(caught.value)
    assert len(str(caught.value)) < 500


@pytest.mark.parametrize("kind", ["html", "empty_body", "truncated_json"])
def test_any_2xx_is_success_whatever_the_body(receiver, kind):
    receiver.fault_next(kind)
    client(receiver.url).push_site_meters(METERS)
    assert [p.fault for p in receiver.pushes] == [kind]


def test_timeout_is_not_retried(receiver):
    receiver.fault_next("timeout")
    with pytest.raises(ChargeHqUnavailable, match=f"did not answer within {SHORT:g} s"):
        client(receiver.url).push_site_meters(METERS)
    assert [(p.status, p.fault) for p in receiver.pushes] == [(None, "timeout")]


def test_scenario_faults_reach_the_client():
    faults = [{"interface": "chargehq", "nth": 1, "kind": "http_500"}]
    with ChargeHqReceiver(faults=faults, api_key=KEY) as rcv:
        client(rcv.url).push_site_meters(METERS)
        assert [p.status for p in rcv.pushes] == [500, 200]


def closed_port_url() -> str:
    with ChargeHqReceiver() as rcv:
        url = rcv.url
    return url  # nothing listens there any more


def test_connection_refused_is_retried_once_then_unavailable(caplog):
    caplog.set_level(logging.WARNING, logger="urllib3")
    with pytest.raises(ChargeHqUnavailable, match=r"could not reach ChargeHQ at 127\.0\.0\.1"):
        client(closed_port_url()).push_site_meters(METERS)
    retries = [r for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert len(retries) == 1


def test_the_deadline_caps_the_timeout(receiver):
    receiver.fault_next("timeout")
    deadline = Deadline.after(FakeClock(), 0.2)  # the fake clock stands still: 0.2 s stay left
    with pytest.raises(ChargeHqUnavailable, match=r"within 0\.2 s"):
        client(receiver.url, timeout=10.0, deadline=deadline).push_site_meters(METERS)


def test_no_retry_when_a_second_attempt_would_overrun_the_deadline(receiver):
    receiver.fault_next("http_500")
    deadline = Deadline.after(FakeClock(), 5.0)  # less than one 10 s attempt
    with pytest.raises(ChargeHqUnavailable, match="HTTP 500"):
        client(receiver.url, timeout=10.0, deadline=deadline).push_site_meters(METERS)
    assert len(receiver.pushes) == 1


def test_retry_when_the_deadline_leaves_room(receiver):
    receiver.fault_next("http_500")
    deadline = Deadline.after(FakeClock(), 30.0)
    client(receiver.url, timeout=10.0, deadline=deadline).push_site_meters(METERS)
    assert len(receiver.pushes) == 2


def test_the_client_waits_10_s_for_an_answer_so_a_retry_fits_in_12_s_left(receiver):
    receiver.fault_next("http_500")
    deadline = Deadline.after(FakeClock(), 12.0)
    ChargeHqClient(receiver.url, KEY, deadline=deadline).push_site_meters(METERS)  # 10 s own
    assert [p.status for p in receiver.pushes] == [500, 200]


def test_no_push_at_all_when_the_run_has_no_time_left(receiver):
    deadline = Deadline.after(FakeClock(), 0)
    with pytest.raises(ChargeHqUnavailable, match="no time left"):
        client(receiver.url, deadline=deadline).push_site_meters(METERS)
    assert receiver.pushes == []


def test_redirects_are_not_followed_so_the_key_stays_home(receiver):
    def redirect(request: Request) -> Reply:
        return Reply(307, b"", (("Location", receiver.url),))

    with LoopbackServer(redirect) as elsewhere, pytest.raises(ChargeHqRejected, match="HTTP 307"):
        client(elsewhere.base_url + "/push").push_site_meters(METERS)
    assert receiver.pushes == []


def test_a_given_session_is_used(receiver):
    session = requests.Session()
    session.headers["User-Agent"] = "fusioncharge-test"
    client(receiver.url, session=session).push_site_meters(METERS)
    assert len(receiver.pushes) == 1


def test_the_key_never_reaches_the_log(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    push = client(receiver.url)
    push.push_site_meters(METERS)
    receiver.fault_next("http_400")
    with pytest.raises(ChargeHqRejected):
        push.push_error(f"something about {KEY}")
    receiver.fault_next("http_500")
    receiver.fault_next("http_500")
    with pytest.raises(ChargeHqUnavailable):
        push.push_site_meters(METERS)
    assert '"apiKey":"***"' in caplog.text  # the body is logged, masked
    assert '"production_kw":0.9' in caplog.text
    assert KEY not in caplog.text
    assert KEY not in repr(push)
    assert receiver.pushes[1].body["error"] == "something about ***"


def test_any_5xx_is_retried_once():
    statuses = [503, 200]

    def flaky(request: Request) -> Reply:
        return Reply(statuses.pop(0), b"{}", (("Content-Type", "application/json"),))

    with LoopbackServer(flaky) as server:
        client(server.base_url + "/push").push_site_meters(METERS)
    assert statuses == []
