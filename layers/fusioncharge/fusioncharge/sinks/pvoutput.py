"""PVOutput: one live status per run (addstatus), dated by the reading in the plant's local time.

Form fields as PVOutput documents them: d (yyyymmdd) and t (hh:mm, the reading's 5-minute
slot) in the plant's time zone, v2/v4 power generated/consumed in W, v1 energy generated today
in Wh: the site meters' production_today_kwh, from Huawei's own daily counters (left out when
unknown; never added up from powers, so a gap, a first day or a cold start loses nothing). No
v3: Huawei has no daily grid counters, so consumption today cannot be had without making up
the part of the day no reading saw (docs/accounting.md). No net, battery or extended fields:
those need a donation.

Daylight saving: a status goes to its local slot once. In the hour a fall-back repeats, a
reading whose slot was already sent waits (PVOutput would overwrite the first with it); the
spring-forward gap has no slots, and none is made. A date PVOutput refuses as in the future or
too old is `pvoutput_date_refused`, naming the time zone used and PlantTimezone as the fix.
Never retried (one status per run; a 4xx would fail again), and PVOutput's own error text is
shown, masked. Its hourly limit is respected: when a reply says no requests are left
(X-Rate-Limit-Remaining: 0) or PVOutput refuses for the limit, no status is sent until
X-Rate-Limit-Reset.
"""

import re
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import (
    PvOutputDateRefused,
    PvOutputRateLimited,
    PvOutputRejected,
    PvOutputUnavailable,
)
from fusioncharge.masking import MASK
from fusioncharge.plant.zone import connection_date, local_time, plant_zone
from fusioncharge.sinks import OK, WAITING, Memory, SecretKey, SinkContext, SinkKind, text_key
from fusioncharge.sinks.http import Reply, post

DEFAULT_URL = "https://pvoutput.org/service/r2/addstatus.jsp"
HOUR = 3600.0
SLOT_MINUTES = 5
# What earlier versions kept to add up today's energies from powers (the state may still hold
# it): dropped at the next status, the daily counters need no memory.
OLD_DAY_TALLY = ("day", "at", "p", "c", "gen_wh", "use_wh")
# PVOutput's words for a date it will not take (its docs and public clients give both forms:
# "Date is in the future [20261025]", "Date [20261025] too new", "Date is older than 14 days").
FUTURE = re.compile(r"in the future|too new|future date", re.IGNORECASE)
TOO_OLD = re.compile(r"older than|too old", re.IGNORECASE)


def status_form(meters: SiteMeters, at: float, zone: tzinfo) -> dict[str, str]:
    """The addstatus fields for site meters read at `at` (epoch seconds)."""
    local = local_time(at, zone)
    slot = local.replace(minute=local.minute - local.minute % SLOT_MINUTES)
    form = {"d": slot.strftime("%Y%m%d"), "t": slot.strftime("%H:%M")}
    if meters.production_today_kwh is not None:
        form["v1"] = str(round(meters.production_today_kwh * 1000))
    form["v2"] = str(round(max(0.0, meters.production_kw) * 1000))
    if meters.consumption_kw is not None and meters.consumption_kw >= 0:
        form["v4"] = str(round(meters.consumption_kw * 1000))
    return form


def refused_date(said: str) -> str | None:
    """Why PVOutput's 400 text refuses the status's date, in the users' words; None when it
    refuses something else."""
    if FUTURE.search(said):
        return "in the future"
    if TOO_OLD.search(said):
        return "too old (PVOutput takes 14 days back, 90 with a donation)"
    return None


def zone_name(zone: tzinfo) -> str:
    """The zone as a user would recognise it: its IANA name, or the fixed offset it is."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    return f"the fixed offset {zone} (no daylight saving)"


def already_sent(form: Mapping[str, str], zone: tzinfo, memory: Memory) -> bool:
    """This slot, or a later one, was already sent in this time zone: the hour a fall-back
    repeats (or a reading that did not move on). A changed zone starts afresh."""
    last = memory.get("slot")
    if not isinstance(last, str) or memory.get("zone") != str(zone):
        return False
    return f"{form['d']} {form['t']}" <= last


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
        for old in OLD_DAY_TALLY:
            memory.pop(old, None)
        self.sent = None
        wait_until = memory.get("wait_until")
        if isinstance(wait_until, int | float) and now < wait_until:
            return WAITING  # the hourly limit is used up: the next status after its reset
        memory.pop("wait_until", None)
        form = status_form(meters, at, self.zone)
        if already_sent(form, self.zone, memory):
            return WAITING  # never overwrite a slot PVOutput already has (a fall-back's hour)
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
        self._check(reply, now, memory, form)
        memory.update(slot=f"{form['d']} {form['t']}", zone=str(self.zone))
        self.sent = {**form}  # the key and the system id travel in headers, not here
        return OK

    def tell(self, message: str, deadline: Deadline, memory: Memory) -> bool:
        return False  # PVOutput has no error field: a missing status is what it shows

    def _check(self, reply: Reply, now: float, memory: Memory, form: Mapping[str, str]) -> None:
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
        refused = refused_date(said) if reply.status == 400 else None
        if refused is not None:
            raise self._date_refused(said, refused, form)
        raise PvOutputRejected(f"PVOutput refused the status ({said}); {_advice(reply.status)}")

    def _date_refused(self, said: str, why: str, form: Mapping[str, str]) -> PvOutputDateRefused:
        when = f"{form['d'][:4]}-{form['d'][4:6]}-{form['d'][6:]} {form['t']}"
        return PvOutputDateRefused(
            f"PVOutput refused the status dated {when} as {why} ({said}): the date and time are "
            f"the plant's local time in {zone_name(self.zone)}; set PlantTimezone to your "
            "plant's time zone (make deploy SET=PlantTimezone=Europe/Amsterdam, your own place), "
            "and check the time zone of the system in PVOutput's Settings matches it"
        )


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
