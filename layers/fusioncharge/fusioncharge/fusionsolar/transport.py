"""The HTTP layer of the FusionSolar client: retries, size limit, token and transport errors.

On the rules both clients share (web.py). Retries are urllib3's (no loops of our own): at most
one, only when it is safe, and only while the run's deadline leaves room for a whole further
attempt. A retry is safe after a
failed connect (the server never saw the request) and, except for login and getDevRealKpi,
after a 5xx. Read timeouts and broken replies are never retried: the server may have counted
the call (quota) or the wrong password (lockout). A 5xx is a reply too: Huawei may have counted
the reading call behind it, and a second one inside 5 minutes earns a 407.
"""

import logging
import ssl
import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError

from fusioncharge import web
from fusioncharge.clock import Deadline
from fusioncharge.errors import UnexpectedResponse
from fusioncharge.fusionsolar import replies
from fusioncharge.fusionsolar.parse import as_int

MAX_REPLY_BYTES = 1 << 20
LOGIN_PATH = "/thirdData/login"
KPI_PATH = "/thirdData/getDevRealKpi"  # quota-counted: once a reply came, never sent again
MIN_CALL_SECONDS = 1.0  # do not start a call with less of the run left


def mount_adapters(
    session: requests.Session, base_url: str, deadline: Deadline | None, room: float
) -> None:
    """Give the session our retry rules for this portal; login and the reading call get the
    stricter ones (a failed connect only)."""
    session.mount(base_url + "/", HTTPAdapter(max_retries=retry_rules(deadline, room, login=False)))
    strict = HTTPAdapter(max_retries=retry_rules(deadline, room, login=True))
    session.mount(base_url + LOGIN_PATH, strict)
    session.mount(base_url + KPI_PATH, strict)


def retry_rules(deadline: Deadline | None, room: float, *, login: bool) -> web.DeadlineRetry:
    return web.DeadlineRetry(
        total=1,
        connect=1,  # the request never reached the server: safe to send again
        read=False,  # it may have: a repeat could count twice (quota, wrong password)
        status=0 if login else 1,
        other=0,
        redirect=0,
        status_forcelist=() if login else (500, 502, 503, 504),  # never 403/407/429
        allowed_methods=frozenset({"POST", "GET"}),
        backoff_factor=0.5,
        raise_on_status=False,  # hand back the last 5xx, we turn it into a typed error
        respect_retry_after_header=False,  # a long Retry-After would outlast the run
        deadline=deadline,
        room=room,
    )


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    token: str | None  # the session token, when the reply carried one
    requests_sent: int  # 1, or 2 when urllib3 retried


class NoReply(Exception):
    """The exchange failed in transport; `reached` says whether the server may have seen it."""

    def __init__(self, message: str, reached: bool) -> None:
        super().__init__(message)
        self.reached = reached


def post(
    session: requests.Session,
    url: str,
    interface: str,
    body: dict[str, Any],
    headers: dict[str, str],
    timeout: tuple[float, float],
) -> Reply:
    """POST a JSON body and read the reply (refused past 1 MiB). Raises NoReply."""
    try:
        with session.post(
            url, json=body, headers=headers, timeout=timeout, stream=True, allow_redirects=False
        ) as resp:
            retries = getattr(getattr(resp.raw, "retries", None), "history", ())
            raw = read_limited(interface, resp)
            return Reply(resp.status_code, raw, token_of(resp), 1 + len(retries))
    except requests.RequestException as exc:
        raise NoReply(transport_message(interface, exc), may_have_reached(exc)) from None


def read_limited(interface: str, resp: requests.Response) -> bytes:
    """The body, refused past MAX_REPLY_BYTES without reading it whole."""
    declared = as_int(resp.headers.get("Content-Length"))
    over = declared is not None and declared > MAX_REPLY_BYTES
    raw = b""
    if not over:
        raw, over = web.read_capped(resp, MAX_REPLY_BYTES)
    if over:
        raise UnexpectedResponse(
            f"FusionSolar {interface} sent a reply over {MAX_REPLY_BYTES // 1024} KiB "
            f"(HTTP {resp.status_code}); refused. Check FUSIONSOLAR_BASE_URL."
        )
    return raw


def token_of(resp: requests.Response) -> str | None:
    """The session token: the xsrf-token header, else the XSRF-TOKEN cookie."""
    token = resp.headers.get("xsrf-token", "").strip()
    if token:
        return token
    headers: Any = getattr(resp.raw, "headers", None)
    for line in headers.getlist("Set-Cookie") if hasattr(headers, "getlist") else ():
        try:
            cookie = SimpleCookie(line)
        except CookieError:
            continue
        if "XSRF-TOKEN" in cookie and cookie["XSRF-TOKEN"].value:
            return cookie["XSRF-TOKEN"].value
    return None


def may_have_reached(exc: requests.RequestException) -> bool:
    """False only when no connection was made (then the server cannot have counted the call)."""
    if isinstance(exc, requests.ConnectTimeout | ValueError):
        return False  # ValueError: requests' InvalidURL, MissingSchema... (nothing was sent)
    if isinstance(exc, requests.exceptions.SSLError):
        # A refused certificate stops the handshake before the request; any other TLS error
        # may come after it was sent (and counted: a wrong password, a reading's window).
        return not certificate_refused(exc)
    reason = getattr(exc.args[0], "reason", None) if exc.args else None  # urllib3 MaxRetryError
    return not isinstance(reason, ConnectTimeoutError)  # also refused and unresolvable hosts


def certificate_refused(exc: BaseException) -> bool:
    """True when the server's certificate was refused, anywhere in the exception's causes."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        error = stack.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ssl.SSLCertVerificationError):
            return True
        linked = [*error.args, getattr(error, "reason", None), error.__cause__, error.__context__]
        stack += [e for e in linked if isinstance(e, BaseException)]
    return False


def transport_message(interface: str, exc: requests.RequestException) -> str:
    """Says what failed without echoing URLs, headers or bodies."""
    if isinstance(exc, ValueError):
        what = "has no usable URL (check FUSIONSOLAR_BASE_URL)"
    elif isinstance(exc, requests.exceptions.SSLError) and certificate_refused(exc):
        what = "failed TLS verification (check FUSIONSOLAR_BASE_URL)"
    elif isinstance(exc, requests.exceptions.SSLError):
        what = "broke off the TLS connection"
    elif not may_have_reached(exc):
        what = "could not connect (check FUSIONSOLAR_BASE_URL and the network)"
    elif isinstance(exc, requests.Timeout):
        what = "timed out waiting for the reply"
    else:
        what = f"broke off the connection ({type(exc).__name__})"
    return f"FusionSolar {interface} {what}; the next run tries again"


def log_exchange(logger: logging.Logger, interface: str, reply: Reply, seconds: float) -> None:
    logger.debug(
        "FusionSolar %s: HTTP %d, %d bytes, %d request(s) in %.0f ms",
        interface,
        reply.status,
        len(reply.body),
        reply.requests_sent,
        seconds * 1000,
    )


class Portal:
    """The request funnel to one FusionSolar portal: each call one POST to /thirdData/<name>,
    its timeouts capped by what is left of the run, and counted (retries included)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        *,
        timeouts: tuple[float, float],
        deadline: Deadline | None,
        logger: logging.Logger,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeouts = timeouts
        self.deadline = deadline
        self.logger = logger
        self.calls = 0
        mount_adapters(session, self.base_url, deadline, room=sum(timeouts))

    def exchange(self, interface: str, body: dict[str, Any], token: str | None) -> Reply:
        """Send one request (with the session token, except to log in); raises NoReply on
        transport failure."""
        headers = {} if interface == "login" else {"XSRF-TOKEN": token or ""}
        timeout = self._timeout(interface)
        started = time.perf_counter()
        self.calls += 1
        url = f"{self.base_url}/thirdData/{interface}"
        reply = post(self.session, url, interface, body, headers, timeout)
        self.calls += reply.requests_sent - 1
        log_exchange(self.logger, interface, reply, time.perf_counter() - started)
        return reply

    def decode(self, interface: str, reply: Reply, secrets: list[str]) -> dict[str, Any]:
        """The reply's envelope, or the typed error its status or body means."""
        error = replies.status_error(interface, reply.status, reply.body, secrets)
        if error:
            raise error
        return replies.decode_envelope(interface, reply.status, reply.body, secrets)

    def _timeout(self, interface: str) -> tuple[float, float]:
        """(connect, read) seconds, capped by what is left of the run."""
        capped = web.capped_timeouts(self.timeouts, self.deadline, MIN_CALL_SECONDS)
        if capped is None:
            message = f"no time left in this run to call FusionSolar {interface}"
            raise NoReply(message + "; the next run tries again", reached=False)
        connect, read = capped
        return connect, read
