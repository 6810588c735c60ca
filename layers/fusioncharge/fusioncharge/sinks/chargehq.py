"""ChargeHQ as a sink: the existing Push API client and body, unchanged while ChargeHQ answers,
and the one who notices when it is gone.

ChargeHQ is closing (its push API will stop answering; no date is public). A push URL whose name
no longer resolves, or that answers 404/410, for a whole day (nothing else in between) is taken
as gone: the run then fails with `chargehq_gone`, whose message says what happened and how to
switch sinks, in full the first time and short after. A DNS hiccup or a 5xx shorter than a day
stays `chargehq_unavailable`; any reply that is not a 404/410 restarts the count.
"""

import socket
from collections.abc import Callable
from datetime import UTC, datetime

from urllib3.exceptions import NameResolutionError

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.chargehq.client import ChargeHqClient
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import ChargeHqError, ChargeHqGone, ChargeHqRejected
from fusioncharge.masking import MASK
from fusioncharge.sinks import OK, Memory

GONE_AFTER_SECONDS = 24 * 3600.0
GONE_STATUSES = (404, 410)

ClientFactory = Callable[[str, Deadline], ChargeHqClient]


def looks_gone(exc: BaseException) -> bool:
    """A failure ChargeHQ's closing would cause: the name does not resolve, or 404/410."""
    if isinstance(exc, ChargeHqRejected):
        return exc.status in GONE_STATUSES
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, NameResolutionError | socket.gaierror):
            return True
        reason = getattr(cause, "reason", None)
        if isinstance(reason, NameResolutionError | socket.gaierror):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


class ChargeHqSink:
    name = "chargehq"
    charging = True

    def __init__(self, client: ClientFactory, api_key: str, clock: Clock) -> None:
        self._client = client
        self._api_key = api_key
        self.clock = clock

    def __repr__(self) -> str:
        return f"ChargeHqSink(apiKey={MASK})"

    def push(self, meters: SiteMeters, deadline: Deadline, memory: Memory) -> str:
        self._watched(
            lambda: self._client(self._api_key, deadline).push_site_meters(meters), memory
        )
        return OK

    def tell(self, message: str, deadline: Deadline, memory: Memory) -> bool:
        self._watched(lambda: self._client(self._api_key, deadline).push_error(message), memory)
        return True

    def _watched(self, send: Callable[[], object], memory: Memory) -> None:
        try:
            send()
        except ChargeHqError as exc:
            if not looks_gone(exc):
                memory.clear()
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
    day = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if told:
        return (
            f"ChargeHQ's push API still does not answer (since {day}); switch sinks as the "
            "first chargehq_gone line said (README: Where the readings go)"
        )
    return (
        f"ChargeHQ's push API no longer answers: no such address, or 404/410, since {day}. "
        "ChargeHQ is closing. The same site meters can go to Home Assistant (sink hass: its "
        "charger integrations follow them) and to PVOutput (sink pvoutput: history). To switch, "
        "put their keys in the secret and deploy with SET=Sinks=hass,pvoutput (README: Where "
        "the readings go)"
    )
