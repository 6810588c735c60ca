"""The one HTTP funnel of every sink (ChargeHQ, Home Assistant, PVOutput): TLS checks on, no
redirects (they would carry a credential elsewhere), a timeout capped by the sink's slice of
the deadline, at most one retry (connection errors and 5xx, only when a whole attempt still
fits), the reply read only up to an excerpt, every credential masked.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from fusioncharge import web
from fusioncharge.clock import Deadline
from fusioncharge.errors import BridgeError
from fusioncharge.masking import mask

EXCERPT_MAX_CHARS = 200


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    excerpt: str  # the start of the body on one line, credentials masked


def post(
    url: str,
    data: bytes,
    headers: Mapping[str, str],
    *,
    deadline: Deadline | None,
    timeout: float,
    secrets: Sequence[str],
    unavailable: type[BridgeError],
    what: str,
    retry: bool,
    hint: str = "",
    session: requests.Session | None = None,
    method: str = "POST",
) -> Reply:
    """POST once (with `retry`, once more after a connection error or a 5xx, when a whole
    attempt still fits); raise `unavailable` when no reply came, its message ending with
    `hint` (what to check). `method` GET is the Home Assistant probe (sinks/hass.py)."""
    capped = web.capped_timeouts((timeout,), deadline)
    if capped is None:
        raise unavailable(f"no time left in this run to push to {what}")
    own = session is None
    session = session or requests.Session()
    attempts = _retries(method, retry, deadline, room=timeout)
    session.mount("https://", HTTPAdapter(max_retries=attempts))
    session.mount("http://", HTTPAdapter(max_retries=attempts))
    try:
        response = session.request(
            method,
            url,
            data=data,
            headers=dict(headers),
            timeout=capped[0],
            allow_redirects=False,
            verify=True,
            stream=True,
        )
    except requests.exceptions.RequestException as exc:
        raise _no_reply(exc, unavailable, what, url, capped[0], hint) from exc
    finally:
        if own:
            session.close()
    return _reply(response, secrets)


def _retries(method: str, retry: bool, deadline: Deadline | None, room: float) -> web.DeadlineRetry:
    """At most one retry, after a connection error or a 5xx, only when a whole attempt (`room`
    seconds) still fits; never a redirect."""
    return web.DeadlineRetry(
        total=int(retry),
        connect=int(retry),
        read=False,
        status=int(retry),
        other=0,
        redirect=0,
        status_forcelist=frozenset(range(500, 600)),
        allowed_methods=frozenset({method}),
        raise_on_status=False,
        respect_retry_after_header=False,
        deadline=deadline,
        room=room,
    )


def _no_reply(
    exc: requests.exceptions.RequestException,
    unavailable: type[BridgeError],
    what: str,
    url: str,
    timeout: float,
    hint: str,
) -> BridgeError:
    """Why no reply came, naming the host but never the URL (it may hold a credential)."""
    then = f"; {hint}" if hint else ""
    host = urlsplit(url).hostname or "its address"
    if isinstance(exc, requests.exceptions.Timeout):
        return unavailable(f"{what} did not answer within {timeout:g} s{then}")
    if isinstance(exc, requests.exceptions.SSLError):
        return unavailable(
            f"the TLS certificate of {host} could not be verified (checks stay on){then}"
        )
    return unavailable(f"could not reach {what} at {host} ({_cause(exc)}){then}")


def _reply(response: requests.Response, secrets: Sequence[str]) -> Reply:
    """The status, headers and the start of the body (read up to 4 KB), credentials masked.
    Read a byte at a time: urllib3 drops a read's bytes when the reply breaks off inside it,
    and a receiver's short refusal cut off early is still worth quoting."""
    try:
        head, _ = web.read_capped(response, 4096, chunk=1, partial=True)
    finally:
        response.close()
    text = mask(head.decode(response.encoding or "utf-8", errors="replace"), list(secrets))
    return Reply(response.status_code, response.headers, one_line(text, EXCERPT_MAX_CHARS))


def _cause(exc: BaseException) -> str:
    """The innermost exception's class name: what failed, without echoing URLs."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    reason = getattr(exc, "reason", None)
    return type(reason).__name__ if isinstance(reason, BaseException) else type(exc).__name__


def one_line(text: str, limit: int) -> str:
    """Printable, whitespace collapsed, cut to `limit` characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    line = " ".join(printable.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
