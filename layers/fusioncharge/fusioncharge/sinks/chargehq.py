"""ChargeHQ as a sink: the Push API body (chargehq_body.py) in one POST through the sinks' HTTP
funnel, and the one who notices when ChargeHQ is gone.

ChargeHQ is closing (its push API will stop answering; no date is public). Only a genuine
answer from ChargeHQ's own service counts toward "gone": a 404/410 from its own address (or
the stand-in the tests declare as it), with no proxy between, or its name reported as not
existing (NXDOMAIN) while pushing readings, which proves the function's own DNS works (the
readings came in over it). For a whole day, nothing else in between: the run then fails with
`chargehq_gone`, whose message says what happened and how to switch sinks. A resolver failure
(EAI_AGAIN), a relay's or proxy's 404, or a failure while telling an error stays
`chargehq_unavailable` / `chargehq_rejected`; any other reply restarts the count.
"""

import json
import logging
import socket
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Clock, Deadline, utc
from fusioncharge.errors import ChargeHqError, ChargeHqGone, ChargeHqRejected, ChargeHqUnavailable
from fusioncharge.masking import MASK, show_url
from fusioncharge.sinks import OK, Memory, SecretKey, SinkContext, SinkKind, text_key
from fusioncharge.sinks.chargehq_body import build_body, masked
from fusioncharge.sinks.http import post

GONE_AFTER_SECONDS = 24 * 3600.0
GONE_STATUSES = (404, 410)
OWN_DOMAIN = "chargehq.net"

logger = logging.getLogger(__name__)


class ChargeHqClient:
    """Posts to one push URL with one API key (10 s, capped by the deadline; one retry after a
    connection error or a 5xx). 2xx is success; anything else a ChargeHqError, key masked."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        deadline: Deadline | None = None,
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.url, self._api_key = url, api_key
        self.deadline, self.timeout, self.session = deadline, timeout, session

    def __repr__(self) -> str:
        return f"ChargeHqClient({show_url(self.url)!r}, apiKey={MASK})"

    def push_site_meters(self, meters: SiteMeters) -> dict[str, Any]:
        """Push the site meters; returns the body sent (unmasked: callers mask it)."""
        return self._post(build_body(self._api_key, site_meters=meters))

    def push_error(self, message: str) -> dict[str, Any]:
        """Tell ChargeHQ the readings could not be had; returns the body sent (unmasked)."""
        return self._post(build_body(self._api_key, error=message))

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        logger.debug("ChargeHQ push: %s", json.dumps(masked(body), separators=(",", ":")))
        reply = post(
            self.url,
            json.dumps(body, separators=(",", ":"), allow_nan=False).encode(),
            {"Content-Type": "application/json", "Accept": "application/json"},
            deadline=self.deadline,
            timeout=self.timeout,
            secrets=[self._api_key],
            unavailable=ChargeHqUnavailable,
            what="ChargeHQ",
            retry=True,
            hint="check CHARGEHQ_PUSH_URL and the network; the next poll pushes again",
            session=self.session,
        )
        status = reply.status
        if 200 <= status < 300:
            return body
        said = f"HTTP {status}: {reply.excerpt}" if reply.excerpt else f"HTTP {status}"
        if status >= 500:
            raise ChargeHqUnavailable(
                f"ChargeHQ is unavailable ({said}); the next poll pushes again"
            )
        rejected = ChargeHqRejected(f"ChargeHQ refused the push ({said}); {_advice(status)}")
        rejected.status = status
        raise rejected


def _advice(status: int) -> str:
    if status in (401, 403):
        return (
            "check chargehq_api_key in the secret (ChargeHQ: My Equipment → Solar / Battery "
            "Equipment → Push API) and that Push API is the site's solar source"
        )
    if status == 429:
        return "ChargeHQ asks for fewer pushes: keep the schedule at 1 minute or slower"
    if status in (404, 410) or 300 <= status < 400:
        return "check CHARGEHQ_PUSH_URL"
    return "the body was not accepted: see the log at DEBUG for what was sent"


def own_service(url: str, stand_in: bool) -> bool:
    """Whether replies from `url` are ChargeHQ's own: its domain over HTTPS (TLS checked), or
    the stand-in the wiring names, and no proxy from the environment in between."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    ours = parts.scheme == "https" and (host == OWN_DOMAIN or host.endswith("." + OWN_DOMAIN))
    return (ours or stand_in) and not requests.utils.get_environ_proxies(url)


def looks_gone(exc: BaseException) -> bool:
    """A failure ChargeHQ's closing would cause: 404/410, or its name does not exist. (Whether
    the answer was ChargeHQ's own is the sink's to judge: `own_service`.)"""
    if isinstance(exc, ChargeHqRejected):
        return exc.status in GONE_STATUSES
    found = _name_failure(exc)
    # No such name (NXDOMAIN); a resolver that failed (EAI_AGAIN) is the caller's side.
    return found is not None and found.errno in (socket.EAI_NONAME, _EAI_NODATA)


_EAI_NODATA = getattr(socket, "EAI_NODATA", -5)


def _name_failure(exc: BaseException) -> socket.gaierror | None:
    """The name-resolution failure behind an error (requests → urllib3 → socket), if any."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        cause = todo.pop()
        if id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return cause
        # urllib3 keeps the socket error as NameResolutionError's _reason, MaxRetryError's reason
        nested = (getattr(cause, name, None) for name in ("_reason", "reason"))
        links = (cause.__cause__, cause.__context__, *nested, *cause.args)
        todo.extend(link for link in links if isinstance(link, BaseException))
    return None


class ChargeHqSink:
    name = "chargehq"
    charging = True

    def __init__(
        self, url: str, api_key: str, clock: Clock, *, timeout: float = 10.0, own: bool = False
    ) -> None:
        self.url, self._api_key, self.clock, self.timeout = url, api_key, clock, timeout
        self.own = own_service(url, own)
        self.sent: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"ChargeHqSink(apiKey={MASK})"

    def client(self, deadline: Deadline) -> ChargeHqClient:
        return ChargeHqClient(self.url, self._api_key, deadline=deadline, timeout=self.timeout)

    def push(self, meters: SiteMeters, deadline: Deadline, memory: Memory) -> str:
        self._watched(lambda: self.client(deadline).push_site_meters(meters), memory, True)
        return OK

    def tell(self, message: str, deadline: Deadline, memory: Memory) -> bool:
        self._watched(lambda: self.client(deadline).push_error(message), memory, False)
        return True

    def _watched(self, send: Callable[[], dict[str, Any]], memory: Memory, pushing: bool) -> None:
        try:
            self.sent = masked(send())
        except ChargeHqError as exc:
            counts = self.own and looks_gone(exc)
            if counts and not isinstance(exc, ChargeHqRejected) and not pushing:
                counts = False  # a name not found while the readings failed: maybe our DNS
            if not counts:
                if isinstance(exc, ChargeHqRejected) or pushing:
                    memory.clear()  # a genuine other answer restarts the count
                raise
            now = self.clock.now()
            since = memory.get("gone_since")
            if not isinstance(since, int | float) or since > now:
                since = memory["gone_since"] = now
            if now - since < GONE_AFTER_SECONDS:
                raise
            told = bool(memory.get("told"))
            memory["told"] = True
            raise ChargeHqGone(_gone_message(since, told)) from exc
        memory.clear()


def _gone_message(since: float, told: bool) -> str:
    day = utc(since)
    if told:
        return (
            f"ChargeHQ's push API still does not answer (since {day}); switch sinks as the "
            "first chargehq_gone line said (README: Where the readings go)"
        )
    return (
        f"ChargeHQ's push API no longer answers: no such address, or 404/410, since {day}. "
        "ChargeHQ is closing. The same site meters can go to Home Assistant (sink hass: its "
        "charger integrations follow them) and to PVOutput (sink pvoutput: history). To switch, "
        "put their keys in the secret and run: make deploy SET=Sinks=hass,pvoutput "
        "(README: Where the readings go)"
    )


def _build(context: SinkContext, keys: Mapping[str, str]) -> ChargeHqSink:
    stand_in = context.urls.get("chargehq")
    return ChargeHqSink(
        stand_in or context.settings.chargehq_push_url,
        keys["chargehq_api_key"],
        context.clock,
        timeout=context.timeout,
        own=stand_in is not None,
    )


KIND = SinkKind(
    name=ChargeHqSink.name,
    title="ChargeHQ",
    keys=(SecretKey("chargehq_api_key", text_key("the API key ChargeHQ shows under Push API")),),
    charging=ChargeHqSink.charging,
    build=_build,
    about=("a charger follows it; ChargeHQ has said it is closing (no date yet)"),
)
