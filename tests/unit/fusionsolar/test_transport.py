"""The FusionSolar HTTP layer's rules, on real urllib3/requests objects (no network)."""

import io
import ssl

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.response import HTTPResponse

from emulator.clock import FakeClock
from fusioncharge.clock import Deadline
from fusioncharge.errors import UnexpectedResponse
from fusioncharge.fusionsolar import Credentials, FusionSolarClient, transport
from fusioncharge.state import InMemoryStateStore


def response(body: bytes = b"{}", headers: list[tuple[str, str]] | None = None, status=200):
    """A requests.Response over an in-memory urllib3 response, as HTTPAdapter builds it."""
    raw = HTTPResponse(
        body=io.BytesIO(body), headers=headers or [], status=status, preload_content=False
    )
    request = requests.Request("POST", "https://example.invalid/thirdData/login").prepare()
    return HTTPAdapter().build_response(request, raw)


# --- token ---------------------------------------------------------------------------------
def test_token_from_the_header_first():
    resp = response(headers=[("xsrf-token", "x-head"), ("Set-Cookie", "XSRF-TOKEN=x-cookie")])
    assert transport.token_of(resp) == "x-head"


def test_token_from_the_cookie_when_there_is_no_header():
    headers = [
        ("Set-Cookie", "JSESSIONID=abc; Path=/; HttpOnly"),
        ("Set-Cookie", "XSRF-TOKEN=x-cookie-only; Path=/; Secure"),
    ]
    assert transport.token_of(response(headers=headers)) == "x-cookie-only"


@pytest.mark.parametrize(
    "headers", [[], [("xsrf-token", "  ")], [("Set-Cookie", "XSRF-TOKEN=; Path=/")]]
)
def test_no_token(headers):
    assert transport.token_of(response(headers=headers)) is None


# --- size limit --------------------------------------------------------------------------------
def test_a_body_within_the_limit_is_read_whole():
    body = b"x" * transport.MAX_REPLY_BYTES
    assert transport.read_limited("getDevList", response(body)) == body


def test_a_long_body_without_content_length_is_refused_without_reading_it_all():
    stream = io.BytesIO(b"x" * (3 * transport.MAX_REPLY_BYTES))
    raw = HTTPResponse(body=stream, status=200, preload_content=False)
    request = requests.Request("POST", "https://example.invalid/x").prepare()
    resp = HTTPAdapter().build_response(request, raw)
    with pytest.raises(UnexpectedResponse, match="KiB"):
        transport.read_limited("getDevList", resp)
    assert stream.tell() < 2 * transport.MAX_REPLY_BYTES


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    stream = io.BytesIO(b"{}")
    raw = HTTPResponse(
        body=stream,
        headers=[("Content-Length", str(transport.MAX_REPLY_BYTES + 1))],
        status=200,
        preload_content=False,
    )
    request = requests.Request("POST", "https://example.invalid/x").prepare()
    with pytest.raises(UnexpectedResponse):
        transport.read_limited("stations", HTTPAdapter().build_response(request, raw))
    assert stream.tell() == 0


# --- retries -------------------------------------------------------------------------------------
def retry_for(seconds_left: float, *, login: bool = False, room: float = 20.0):
    clock = FakeClock()
    return transport.retry_rules(Deadline.after(clock, seconds_left), room, login=login)


def server_error() -> HTTPResponse:
    return HTTPResponse(body=io.BytesIO(b""), status=500, preload_content=False)


def test_one_retry_on_5xx_when_the_run_has_time():
    retry = retry_for(60)
    assert retry.is_retry("POST", 500)
    again = retry.increment("POST", "/thirdData/stations", response=server_error())
    assert again.deadline is retry.deadline  # carried through urllib3's new()
    with pytest.raises(MaxRetryError):
        again.increment("POST", "/thirdData/stations", response=server_error())


def test_no_retry_when_a_whole_attempt_would_not_fit():
    retry = retry_for(19.0, room=20.0)
    with pytest.raises(MaxRetryError):
        retry.increment("POST", "/thirdData/stations", response=server_error())


@pytest.mark.parametrize("status", [403, 407, 429, 401, 200])
def test_quota_and_other_statuses_are_not_retried(status):
    assert not retry_for(60).is_retry("POST", status)


def test_login_is_never_retried_on_5xx():
    assert not retry_for(60, login=True).is_retry("POST", 500)


@pytest.mark.parametrize("login", [False, True])
def test_a_read_timeout_is_never_retried(login):
    error = ReadTimeoutError(None, "/thirdData/login", "read timed out")
    with pytest.raises(ReadTimeoutError):
        retry_for(60, login=login).increment("POST", "/thirdData/login", error=error)


@pytest.mark.parametrize("login", [False, True])
def test_a_failed_connect_is_retried_once(login):
    error = NewConnectionError(None, "refused")
    again = retry_for(60, login=login).increment("POST", "/thirdData/login", error=error)
    with pytest.raises(MaxRetryError):
        again.increment("POST", "/thirdData/login", error=error)


def test_the_client_mounts_the_stricter_rules_for_login():
    session = requests.Session()
    FusionSolarClient.on_store(
        "https://eu5.example.invalid", Credentials("u", "p"), InMemoryStateStore(), session=session
    )
    login = session.get_adapter("https://eu5.example.invalid/thirdData/login")
    kpi = session.get_adapter("https://eu5.example.invalid/thirdData/getDevRealKpi")
    other = session.get_adapter("https://eu5.example.invalid/thirdData/getDevList")
    assert not login.max_retries.is_retry("POST", 503)
    assert not kpi.max_retries.is_retry("POST", 503)  # Huawei may have counted it: a 407
    assert other.max_retries.is_retry("POST", 503)
    assert "POST" in other.max_retries.allowed_methods
    assert session.verify is True


def test_credentials_repr_hides_the_system_code():
    assert "hunter22" not in repr(Credentials("me", "hunter22"))


def _refused_certificate() -> MaxRetryError:
    """As requests wraps it: urllib3 gave up on an SSLError caused by the certificate check."""
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed")
    return MaxRetryError(None, "/thirdData/login", Urllib3SSLError(cause))  # type: ignore[arg-type]


def _bad_record() -> MaxRetryError:
    cause = ssl.SSLError(1, "[SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC] bad record mac")
    return MaxRetryError(None, "/thirdData/login", Urllib3SSLError(cause))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "reached", "words"),
    [
        (requests.exceptions.InvalidURL("x"), False, "usable URL"),
        (requests.ConnectTimeout("x"), False, "could not connect"),
        (requests.exceptions.SSLError(_refused_certificate()), False, "TLS verification"),
        # A TLS error after the request went out (a bad record): it may have been counted.
        (requests.exceptions.SSLError(_bad_record()), True, "broke off the TLS"),
        (requests.ReadTimeout("x"), True, "timed out"),
        (requests.exceptions.ChunkedEncodingError("x"), True, "broke off"),
    ],
)
def test_transport_failures_say_what_failed_and_whether_the_server_saw_it(exc, reached, words):
    assert transport.may_have_reached(exc) is reached
    assert words in transport.transport_message("getDevList", exc)
