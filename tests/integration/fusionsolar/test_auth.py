"""The login's promises (auth.py) against the emulator: every login is counted before it is
sent, and stays counted as refused unless Huawei's answer says otherwise."""

import http.server
import logging
import socket
import threading
from collections.abc import Iterator

import pytest

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from emulator.httpserve import JSON_TYPE, LoopbackServer, Reply, Request, json_reply
from fusioncharge.clock import Deadline
from fusioncharge.errors import (
    AccountLocked,
    CallTooSoon,
    CredentialsRejected,
    FusionSolarUnavailable,
    QuotaExceeded,
    StateError,
    StateNotSaved,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.models import RESIDENTIAL_INVERTER
from fusioncharge.state import InMemoryStateStore, State

RIGHT = Credentials("demo", "demo-Secret-9")
WRONG = Credentials("demo", "wrong-Secret-7")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def emulator(clock: FakeClock, **parts: object) -> FusionSolarEmulator:
    creds = {"username": RIGHT.username, "system_code": RIGHT.system_code}
    return FusionSolarEmulator({"credentials": creds, **parts}, clock=clock, timeout_hold=3.0)


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[FusionSolarEmulator]:
    with emulator(clock) as e:
        yield e


def client_for(url: str, clock: FakeClock, store: InMemoryStateStore, creds=RIGHT):
    deadline = Deadline.after(clock, 60.0)
    return FusionSolarClient.on_store(
        url,
        creds,
        store,
        clock=clock,
        deadline=deadline,
        timeouts=(1.0, 2.0),  # loopback answers at once; a loaded CI machine can stall 0.5 s
    )


def counted_once_at(tries: list[float] | None, start: float) -> bool:
    """One try, stamped when the login began (a few random microseconds tell racing runs
    apart), not when it was sent after the settle wait."""
    return tries is not None and len(tries) == 1 and start <= tries[0] < start + 0.01


def log_in(url: str, clock: FakeClock, store: InMemoryStateStore, creds=RIGHT) -> State:
    client = client_for(url, clock, store, creds)
    try:
        client.readings(client.plant("Home"), (RESIDENTIAL_INVERTER,))
    finally:
        store.save(client.state)
    return client.state


def test_a_login_that_reached_huawei_without_a_reply_stays_counted_as_refused(clock):
    store = InMemoryStateStore(clock=clock)
    faults = [{"interface": "login", "kind": "timeout"}]
    start = clock.now()
    with emulator(clock, faults=faults) as emu, pytest.raises(FusionSolarUnavailable):
        log_in(emu.base_url, clock, store)
    assert counted_once_at(store.load().login_tries, start)


def test_a_login_that_never_left_is_not_counted(clock):
    with socket.socket() as s:  # a port nobody listens on: the connection is refused
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    store = InMemoryStateStore(clock=clock)
    with pytest.raises(FusionSolarUnavailable):
        log_in(url, clock, store)
    assert store.load().login_tries is None


def test_an_accepted_login_is_not_counted_and_the_token_is_kept(emu, clock):
    store = InMemoryStateStore(clock=clock)
    state = log_in(emu.base_url, clock, store)
    assert state.login_tries is None
    assert state.token and state.token_issued_at == clock.now()
    assert emu.count("login") == 1


def test_a_wrong_password_stays_counted_and_guards_those_credentials(emu, clock):
    store = InMemoryStateStore(clock=clock)
    start = clock.now()
    with pytest.raises(CredentialsRejected):
        log_in(emu.base_url, clock, store, WRONG)
    state = store.load()
    assert counted_once_at(state.login_tries, start)
    assert state.no_login_before == clock.now() + 1800
    clock.advance(60)
    with pytest.raises(AccountLocked):
        log_in(emu.base_url, clock, store, WRONG)
    assert emu.count("login") == 1


@pytest.mark.parametrize(("code", "error"), [(20400, CredentialsRejected), (20403, AccountLocked)])
def test_a_probable_lock_stops_every_login_for_30_minutes(clock, code, error):
    store = InMemoryStateStore(clock=clock)
    with emulator(
        clock, faults=[{"interface": "login", "kind": "fail_code", "fail_code": code}]
    ) as emu:
        with pytest.raises(error):
            log_in(emu.base_url, clock, store)
        assert store.load().locked_until == clock.now() + 1800
        clock.advance(1799)
        with pytest.raises(AccountLocked):
            log_in(emu.base_url, clock, store)
        assert emu.count("login") == 1


def test_a_quota_refusal_is_not_counted_as_a_wrong_password(clock):
    store = InMemoryStateStore(clock=clock)
    faults = [{"interface": "login", "kind": "http_429"}]
    with emulator(clock, faults=faults) as emu, pytest.raises(Exception):  # noqa: B017 - the typed error is tested elsewhere
        log_in(emu.base_url, clock, store)
    assert store.load().login_tries is None


@pytest.mark.parametrize(("age", "logins"), [(29 * 60 - 1, 1), (29 * 60, 2)])
def test_the_token_is_used_for_29_minutes_then_renewed(emu, clock, age, logins):
    store = InMemoryStateStore(clock=clock)
    log_in(emu.base_url, clock, store)
    clock.advance(age)
    log_in(emu.base_url, clock, store)
    assert emu.count("login") == logins


@pytest.mark.parametrize(("ahead", "logins"), [(60.0, 1), (60.5, 2)])
def test_a_token_issued_up_to_a_minute_ahead_of_our_clock_is_used(emu, clock, ahead, logins):
    """Our clock may step back a little; a token from further ahead is not trusted."""
    store = InMemoryStateStore(clock=clock)
    log_in(emu.base_url, clock, store)
    client = client_for(emu.base_url, clock, store)
    client.state.token_issued_at = clock.now() + ahead
    client.auth.ensure_token()
    assert emu.count("login") == logins


@pytest.mark.parametrize("code", [20001, 20002, 20003])
def test_a_refused_system_guards_these_credentials(clock, code):
    store = InMemoryStateStore(clock=clock)
    faults = [{"interface": "login", "kind": "fail_code", "fail_code": code}]
    with emulator(clock, faults=faults) as emu, pytest.raises(CredentialsRejected, match=str(code)):
        log_in(emu.base_url, clock, store)
    assert store.load().no_login_before == clock.now() + 1800


def test_credentials_never_show_the_system_code():
    assert RIGHT.system_code not in repr(RIGHT)


def test_a_login_is_saved_before_it_is_sent_and_not_sent_when_that_fails(emu, clock):
    seen: list[tuple[int, list[float] | None]] = []

    class Throttled(InMemoryStateStore):
        def save(self, state: State) -> None:
            seen.append((emu.count("login"), state.login_tries))
            raise StateError("throttled")

    client = client_for(emu.base_url, clock, Throttled(clock=clock))
    start = clock.now()
    with pytest.raises(StateError):
        client.plant("Home")
    assert seen and all(logins == 0 for logins, _ in seen)
    assert all(counted_once_at(tries, start) for _, tries in seen)
    assert emu.count("login") == 0


def test_a_run_counts_its_one_login_and_refuses_a_second(emu, clock):
    store = InMemoryStateStore(clock=clock)
    client = client_for(emu.base_url, clock, store)
    client.plant("Home")
    assert client.logins == 1
    emu.expire_tokens()
    with pytest.raises(UnexpectedResponse, match="second login"):
        client.auth.session_ended(305)
    assert (client.logins, emu.count("login")) == (1, 1)


def test_an_ended_session_logs_in_again_once(emu, clock):
    store = InMemoryStateStore(clock=clock)
    log_in(emu.base_url, clock, store)
    emu.expire_tokens()
    clock.advance(300)
    client = client_for(emu.base_url, clock, store)
    assert client.readings(client.plant("Home"), (RESIDENTIAL_INVERTER,))
    assert (client.logins, emu.count("login")) == (1, 2)


def test_an_accepted_login_clears_the_guard_of_changed_credentials(emu, clock):
    store = InMemoryStateStore(clock=clock)
    start = clock.now()
    with pytest.raises(CredentialsRejected):
        log_in(emu.base_url, clock, store, WRONG)
    clock.advance(60)
    state = log_in(emu.base_url, clock, store)
    assert (state.no_login_before, state.rejected_credentials) == (None, None)
    assert counted_once_at(state.login_tries, start)  # the wrong one still counts for 10 minutes


@pytest.mark.parametrize("until", [0, 1])
def test_a_login_after_a_rejection_says_the_credentials_changed_only_while_guarded(
    emu, clock, caplog, until
):
    store = InMemoryStateStore(clock=clock)
    with pytest.raises(CredentialsRejected):
        log_in(emu.base_url, clock, store, WRONG)
    clock.advance(1800 - until)
    caplog.set_level(logging.INFO)
    log_in(emu.base_url, clock, store)
    assert ("credentials changed" in caplog.text) == bool(until)


@pytest.mark.parametrize(("code", "error"), [(None, CredentialsRejected), (20403, AccountLocked)])
def test_a_refused_login_forgets_the_old_token(emu, clock, code, error):
    store = InMemoryStateStore(clock=clock)
    log_in(emu.base_url, clock, store)
    if code is None:
        emu.set_password("changed-at-Huawei-1")
    else:
        emu.fault_next("login", "fail_code", fail_code=code)
    clock.advance(29 * 60)  # the token is due for renewal, still held
    with pytest.raises(error):
        log_in(emu.base_url, clock, store)
    assert store.load().token is None


# --- racing runs: a login waits a second after saving its count, then re-reads the store -----
def test_a_login_is_sent_one_second_after_its_count_is_saved(emu, clock):
    store = InMemoryStateStore(clock=clock)
    start = clock.now()
    state = log_in(emu.base_url, clock, store)
    assert state.token_issued_at == start + 1.0


class RacingStore(InMemoryStateStore):
    """While our login waits, a racing run saves its own counts: `racing(at)` gives them, from
    our try's time `at` (the first save that holds a try); `lose` drops ours instead."""

    def __init__(self, clock: FakeClock, racing=None, lose: bool = False) -> None:
        super().__init__(clock=clock)
        self.racing, self.lose = racing, lose

    def save(self, state: State) -> None:
        super().save(state)
        if state.login_tries and (self.racing or self.lose):
            stored = self.load()
            at = max(state.login_tries)
            theirs = self.racing(at) if self.racing else []
            kept = [t for t in stored.login_tries or () if not self.lose]
            stored.login_tries = sorted(kept + theirs) or None
            self.racing, self.lose = None, False
            super().save(stored)


@pytest.mark.parametrize("before", [59.9, 0.0, -30.0])
def test_a_login_gives_way_to_a_racing_runs_login_within_a_minute(emu, clock, before):
    store = RacingStore(clock, racing=lambda at: [at - before])
    with pytest.raises(CallTooSoon):
        log_in(emu.base_url, clock, store)
    assert emu.count("login") == 0
    assert len(store.load().login_tries or ()) == 1  # theirs; ours was never sent


def test_a_racing_try_a_minute_old_is_not_a_login_under_way(emu, clock):
    store = RacingStore(clock, racing=lambda at: [at - 60.0])
    state = log_in(emu.base_url, clock, store)
    assert emu.count("login") == 1 and state.token


def test_tries_counted_by_racing_runs_during_the_wait_stop_the_login(emu, clock):
    store = RacingStore(clock, racing=lambda at: [at - 300.0, at - 200.0])
    with pytest.raises(AccountLocked):
        log_in(emu.base_url, clock, store)
    assert emu.count("login") == 0


def test_a_login_whose_count_the_store_lost_is_not_sent(emu, clock):
    store = RacingStore(clock, lose=True)
    with pytest.raises(StateNotSaved, match="does not hold the login's count"):
        log_in(emu.base_url, clock, store)
    assert emu.count("login") == 0


def test_a_guarded_login_is_refused_before_its_count_is_saved(emu, clock):
    store = InMemoryStateStore(clock=clock)
    with pytest.raises(CredentialsRejected):
        log_in(emu.base_url, clock, store, WRONG)
    saves, start = store.saves, clock.now()
    with pytest.raises(AccountLocked):
        client_for(emu.base_url, clock, store, WRONG).auth.login()
    assert (store.saves, clock.now()) == (saves, start)


class _Oversized(http.server.BaseHTTPRequestHandler):
    """A portal whose every reply is 2 MiB: more than the client reads."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"x" * (2 << 20)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_login_reply_too_big_to_read_stays_counted_as_refused(clock):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Oversized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = InMemoryStateStore(clock=clock)
    start = clock.now()
    try:
        with pytest.raises(UnexpectedResponse, match="KiB"):
            log_in(f"http://127.0.0.1:{server.server_address[1]}", clock, store)
    finally:
        server.shutdown()
        server.server_close()
    assert counted_once_at(store.load().login_tries, start)


def scripted_login(body: bytes, clock: FakeClock, store: InMemoryStateStore) -> BaseException:
    """Log in against a portal that answers one fixed body: what the emulator's faults cannot
    say. The error the login raised."""
    portal = LoopbackServer(lambda _: Reply(200, body, (("Content-Type", JSON_TYPE),)))
    with portal as server, pytest.raises(Exception) as caught:
        log_in(server.base_url, clock, store)
    return caught.value


@pytest.mark.parametrize("body", [b" ", b"\r\n", b"  \n\t"])
def test_a_blank_login_reply_is_a_rejection_and_guards_the_credentials(clock, body):
    """Huawei answers a wrong user name with HTTP 200 and nothing in it; whitespace is nothing."""
    store = InMemoryStateStore(clock=clock)
    error = scripted_login(body, clock, store)
    assert isinstance(error, CredentialsRejected)
    assert "rejected the user name or system code" in str(error)
    assert store.load().no_login_before == clock.now() + 1800


def test_a_rejection_without_its_own_fix_says_to_fix_the_secret(clock):
    """20001 (no such system) has no fix of its own: the message names the secret's keys."""
    store = InMemoryStateStore(clock=clock)
    error = scripted_login(b'{"success": false, "failCode": 20001}', clock, store)
    assert isinstance(error, CredentialsRejected)
    text = str(error)
    assert "Fix " in text and "in the secret (the Northbound API account" in text
    assert "None" not in text


def test_a_login_reply_echoing_the_system_code_or_the_old_token_shows_neither(clock):
    store = InMemoryStateStore(clock=clock)
    old_token = "old-token-5f3a9c2e7b1d"
    state = store.load()
    state.token, state.token_issued_at = old_token, clock.now() - 3600  # expired: a login
    store.save(state)
    echo = f"bad request: systemCode={RIGHT.system_code} token={old_token}"
    body = ('{"success": false, "failCode": 99999, "message": "' + echo + '"}').encode()
    error = scripted_login(body, clock, store)
    assert "99999" in str(error)
    assert RIGHT.system_code not in str(error)
    assert old_token not in str(error)


def test_a_login_refused_for_the_quota_backs_off_before_the_next(clock):
    store = InMemoryStateStore(clock=clock)
    faults = [{"interface": "login", "kind": "http_429"}]
    with emulator(clock, faults=faults) as emu:
        with pytest.raises(QuotaExceeded):
            log_in(emu.base_url, clock, store)
        state = store.load()
        assert state.login_quota_refusals == 1
        assert state.login_backoff_until is not None
        assert state.login_backoff_until > clock.now()
        clock.advance(60)
        with pytest.raises(QuotaExceeded):
            log_in(emu.base_url, clock, store)
        assert emu.count("login") == 1


ECHOED_TOKEN = "tok-8c41d2e9a7f3b6"


def _echoing_portal(request: Request) -> Reply:
    """Logs in with a token, then answers every other call with an error that echoes the
    token and the system code back: what a misbehaving gateway may do."""
    if request.path.endswith("/login"):
        return json_reply(
            {"success": True, "failCode": 0, "data": None}, headers=(("XSRF-TOKEN", ECHOED_TOKEN),)
        )
    echo = f"denied for token {ECHOED_TOKEN} of system {RIGHT.system_code}"
    return json_reply({"success": False, "failCode": 99999, "message": echo})


def test_a_reply_echoing_the_token_or_the_system_code_shows_neither(clock):
    store = InMemoryStateStore(clock=clock)
    portal = LoopbackServer(_echoing_portal)
    with portal as server, pytest.raises(UnexpectedResponse, match="99999") as caught:
        log_in(server.base_url, clock, store)
    assert "denied for token" in str(caught.value)  # the reply is quoted, masked
    assert ECHOED_TOKEN not in str(caught.value)
    assert RIGHT.system_code not in str(caught.value)
