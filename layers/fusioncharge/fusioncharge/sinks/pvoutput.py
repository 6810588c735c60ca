"""PVOutput: one live status per run (addstatus), in the plant's local date and time.

Form fields as PVOutput documents them: d (yyyymmdd) and t (hh:mm, the reading's 5-minute
slot) in the plant's time zone, v2/v4 power generated/consumed in W, v1/v3 energy generated/
consumed today in Wh (pvoutput_day.py; left out when not known). No net, battery or extended
fields: those need a donation. Never retried (one status per run; a 4xx would fail again), and
PVOutput's own error text is shown, masked. Its hourly limit is respected: when a reply says no
requests are left (X-Rate-Limit-Remaining: 0) or PVOutput refuses for the limit, no status is
sent until X-Rate-Limit-Reset.
"""

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import PvOutputRateLimited, PvOutputRejected, PvOutputUnavailable
from fusioncharge.masking import MASK
from fusioncharge.plant_time import connection_date, local_time, plant_zone
from fusioncharge.sinks import OK, WAITING, Memory, SecretKey, SinkContext, SinkKind, text_key
from fusioncharge.sinks.http import Reply, post
from fusioncharge.sinks.pvoutput_day import advance

DEFAULT_URL = "https://pvoutput.org/service/r2/addstatus.jsp"
HOUR = 3600.0
SLOT_MINUTES = 5


def status_form(
    meters: SiteMeters, at: float, zone: tzinfo, today_wh: tuple[float | None, float | None]
) -> dict[str, str]:
    """The addstatus fields for site meters read at `at` (epoch seconds)."""
    local = local_time(at, zone)
    slot = local.replace(minute=local.minute - local.minute % SLOT_MINUTES)
    form = {"d": slot.strftime("%Y%m%d"), "t": slot.strftime("%H:%M")}
    generated, consumed = today_wh
    if generated is not None:
        form["v1"] = str(round(generated))
    form["v2"] = str(round(max(0.0, meters.production_kw) * 1000))
    if consumed is not None:
        form["v3"] = str(round(consumed))
    if meters.consumption_kw is not None and meters.consumption_kw >= 0:
        form["v4"] = str(round(meters.consumption_kw * 1000))
    return form


class PvOutputSink:
    name = "pvoutput"
    charging = False  # history and the daily view; no charger follows it

    def __init__(
        self,
        api_key: str,
        system_id: str,
        zone: tzinfo,
        clock: Clock,
        *,
        url: str = DEFAULT_URL,
        timeout: float = 10.0,
    ) -> None:
        self._api_key = api_key
        self.system_id = system_id
        self.zone = zone
        self.clock = clock
        self.url = url
        self.timeout = timeout
        self.sent: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"PvOutputSink(system {self.system_id}, apikey={MASK})"

    def push(self, meters: SiteMeters, deadline: Deadline, memory: Memory) -> str:
        now = self.clock.now()
        at = meters.tsms / 1000 if meters.tsms is not None else now
        tally = memory.setdefault("day", {})
        today = advance(tally, at, meters.production_kw, meters.consumption_kw, self.zone)
        wait_until = memory.get("wait_until")
        if isinstance(wait_until, int | float) and now < wait_until:
            return WAITING  # the hourly limit is used up: the next status after its reset
        memory.pop("wait_until", None)
        form = status_form(meters, at, self.zone, today)
        self.sent = None
        reply = post(
            self.url,
            "&".join(f"{k}={v}" for k, v in form.items()).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Pvoutput-Apikey": self._api_key,
                "X-Pvoutput-SystemId": self.system_id,
                "X-Rate-Limit": "1",  # asks PVOutput for the X-Rate-Limit-* reply headers
            },
            deadline=deadline,
            timeout=self.timeout,
            secrets=[self._api_key],
            unavailable=PvOutputUnavailable,
            what="PVOutput",
            retry=False,
        )
        self._check(reply, now, memory)
        self.sent = {**form}  # the key and the system id travel in headers, not here
        return OK

    def tell(self, message: str, deadline: Deadline, memory: Memory) -> bool:
        return False  # PVOutput has no error field: a missing status is what it shows

    def _check(self, reply: Reply, now: float, memory: Memory) -> None:
        reset = _reset_at(reply.headers, now)
        if 200 <= reply.status < 300:
            if reply.headers.get("X-Rate-Limit-Remaining", "").strip() == "0":
                memory["wait_until"] = round(reset)
            return
        said = reply.excerpt or f"HTTP {reply.status}"
        if reply.status >= 500:
            raise PvOutputUnavailable(f"PVOutput is unavailable ({said}); the next run sends again")
        if reply.status == 403 and "exceeded" in said.lower():
            memory["wait_until"] = round(reset)
            raise PvOutputRateLimited(
                f"PVOutput: {said}; no status until its hourly limit resets (60 an hour, "
                "300 with a donation); other sinks are not affected"
            )
        raise PvOutputRejected(f"PVOutput refused the status ({said}); {_advice(reply.status)}")


def _reset_at(headers: Mapping[str, Any], now: float) -> float:
    """X-Rate-Limit-Reset (epoch seconds) when it is within the next hour, else an hour on."""
    try:
        reset = float(headers.get("X-Rate-Limit-Reset", ""))
    except ValueError:
        reset = 0.0
    return reset if now < reset <= now + HOUR + 60 else now + HOUR


def _advice(status: int) -> str:
    if status == 401:
        return "check pvoutput_api_key and pvoutput_system_id in the secret (PVOutput: Settings)"
    if status == 403:
        return "check that the API is enabled for the key (PVOutput: Settings > API Settings)"
    return "the status was not accepted; PVOutput's text above names the field"


def system_id(value: Any) -> str:
    """pvoutput_system_id's check: a whole number, in quotes or not (never 12345.0 or true)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    raise ValueError(
        "must be the whole number PVOutput shows as System Id (Settings > Registered Systems), "
        'such as 12345 or "12345": no decimals, not true/false'
    )


def _build(context: SinkContext, keys: Mapping[str, str]) -> PvOutputSink:
    facts = context.state.plant_facts if context.state is not None else None
    return PvOutputSink(
        keys["pvoutput_api_key"],
        keys["pvoutput_system_id"],
        plant_zone(context.settings.plant_timezone, connection_date(facts)),
        context.clock,
        url=context.urls.get("pvoutput", DEFAULT_URL),
        timeout=context.timeout,
    )


KIND = SinkKind(
    name=PvOutputSink.name,
    title="PVOutput",
    keys=(
        SecretKey("pvoutput_api_key", text_key("the API key PVOutput shows in its Settings")),
        SecretKey("pvoutput_system_id", system_id),
    ),
    charging=PvOutputSink.charging,
    build=_build,
    about=("history and a daily view of the plant; no charger follows it"),
)
