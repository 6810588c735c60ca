"""FusionSolar Northbound API client that never locks the user out.

One client object is one run (one Lambda invocation). What must survive between runs lives
in `State`, which this client mutates in place: the session token (reused for 29 minutes,
never logged out), the lockout guard, the found plants, the device list and when each
device type was last read (Huawei allows one getDevRealKpi call per type every 5 minutes).

Several plants (STATION "Home,Garage") cost what one does: one getDevList for all of them, and
per device type one getDevRealKpi carrying every plant's devices (up to 100 ids a call), since
Huawei's quota counts per type, not per plant.

Safety rules, from Huawei's limits (5 wrong passwords in 10 minutes lock the account for
30 minutes; 5 logins per 10 minutes):
- at most one login per run, and only when the lockout guard (login_guard.py) allows it; each
  login is counted in the state and saved (`save_state`) before it is sent;
- a login is only retried when the request cannot have reached the server;
- quota replies (407, 20618, HTTP 403/429) are never retried; before real-time calls the state
  is saved with a mark that they may count, so a lost save later cannot lead to a 407.
"""

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import requests

from fusioncharge.clock import Clock, Deadline, SystemClock
from fusioncharge.errors import (
    AccountLocked,
    CallTooSoon,
    CredentialsRejected,
    FusionSolarUnavailable,
    PlantNotFound,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar import login_guard as guard
from fusioncharge.fusionsolar import parse, replies, transport
from fusioncharge.models import REAL_TIME_TYPES, Device, Plant, Reading
from fusioncharge.state import State, in_state_order, station_key

log = logging.getLogger(__name__)

TOKEN_REFRESH_AGE = 29 * 60  # Huawei's token lasts 30 minutes: renew a minute early
GUARD_SECONDS = guard.GUARD_SECONDS  # how long Huawei locks an account after 5 wrong passwords
DEVICES_MAX_AGE = 6 * 3600
STALE_REFRESH_MIN_AGE = 3600  # getDevList allows ~25 calls a day: stale refreshes ≤ 1 an hour
KPI_INTERVAL = 300.0  # one getDevRealKpi per device type per 5 minutes
MAX_PACING_WAIT = 20.0  # wait out a call that is this little too early; refuse a longer wait
READ_TYPES = REAL_TIME_TYPES  # what the poller reads; never dongles, optimizers, SmartGuard
TYPE_NOT_SERVED = 20013  # "the device type is incorrect": this type has no real-time data
# Login failCodes that mean "these credentials will not work": guarded like a wrong password.
LOGIN_REJECTED = {
    20001: "the third-party system ID does not exist",
    20002: "the third-party system is forbidden",
    20003: "the third-party system has expired",
}
# Login failCodes that may mean Huawei locked the account: no login of any credentials for a while.
LOGIN_LOCKED = {
    20400: "wrong user name or system code, user locked, password expired or too many sessions",
    20403: "logins of this user are restricted",
}
PENDING_WITHOUT_DEADLINE = 60.0  # how late an unbounded run's readings may count
LEAD_MARGIN = 0.05  # seconds for the trip to Huawei being shorter than any seen before
LEAD_SAMPLES = 6  # Huawei's clock is judged on the last stamps: two runs of three device types
LEADS_AGREE = 2.0  # seconds: leads this close come from one clock (trips vary by less)
PLANT_LOOKUP_INTERVAL = 3600  # a STATION not found is looked up again at most hourly
# 20007: no such plant (removed, or re-created under a new code). 20008 (no such devices)
# refreshes the device list, which then answers 20007 or nothing when the plant is gone.
PLANT_GONE_CODES = frozenset({20007})
MAX_IDS_PER_CALL = 100
MAX_PLANT_PAGES = 100
NAMES_SEPARATOR = "\n"  # between the plants' names in State.plant_name (never in a kept name)
MIN_CALL_SECONDS = 1.0  # do not start a call with less of the run left
SECRET_KEYS = guard.SECRET_KEYS
RELOGIN_CODES, STALE_DEVICE_CODES = replies.RELOGIN_CODES, replies.STALE_DEVICE_CODES


@dataclass(frozen=True)
class Credentials:
    username: str
    system_code: str = field(repr=False)  # Huawei calls the password "system code"


class FusionSolarClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        state: State,
        *,
        clock: Clock | None = None,
        deadline: Deadline | None = None,
        timeouts: tuple[float, float] = (5.0, 15.0),
        session: requests.Session | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.state = state
        self.clock: Clock = clock or SystemClock()
        self.deadline = deadline
        self.timeouts = timeouts
        self.log = logger or log
        self.calls = 0
        self.logins = 0
        # Set by the run: saves the state before a "login" or the "readings" (the call named),
        # raising StateError when it cannot. Without it the caller saves the state afterwards.
        self.save_state: Callable[[State, str], None] | None = None
        self._session = session or requests.Session()
        transport.mount_adapters(self._session, self.base_url, deadline, room=sum(timeouts))

    # --- public API ---------------------------------------------------------------------
    def list_plants(self) -> list[Plant]:
        """Every plant the account can see (all pages of /thirdData/stations)."""
        plants, pages = parse.plants_page(self._call("stations", {"pageNo": 1}).get("data"))
        for page in range(2, min(pages, MAX_PLANT_PAGES) + 1):
            more, _ = parse.plants_page(self._call("stations", {"pageNo": page}).get("data"))
            plants.extend(more)
        return plants

    def plant(self, station: str) -> Plant:
        """The one plant STATION names (see `plants`)."""
        found = self.plants(station)
        if len(found) != 1:
            raise ValueError(f"STATION {station!r} names {len(found)} plants: use plants()")
        return found[0]

    def plants(self, station: str) -> list[Plant]:
        """The plants STATION names, in its order; looked up only when the STATION setting
        changed. One name or code, or several comma-separated (a name holding a comma still
        names one plant); a part that matches no plant raises PlantNotFound naming it."""
        st = self.state
        same_station = st.plant_for_station == station_key(station)
        if same_station and st.plant_code is not None:
            return _stored_plants(st)
        now = self.clock.now()
        checked = st.plant_checked_at if same_station else None
        if checked is not None and 0 <= now - checked < PLANT_LOOKUP_INTERVAL:
            what = "named a plant not found" if "," in station else "matched no plant"
            raise PlantNotFound(
                f"STATION {station!r} {what} when the plant list was last read "
                f"({_utc(checked)}; that run's log lists the plants). Set STATION to one of them "
                "(make discover lists them too): a changed STATION is looked up at once, the same "
                f"one again after {_utc(checked + PLANT_LOOKUP_INTERVAL)} (Huawei allows the plant "
                "list only a few dozen times a day)."
            )
        plants = self.list_plants()
        try:
            found = parse.match_plants(station, plants)
        except PlantNotFound:
            st.plant_for_station, st.plant_code, st.plant_checked_at = (
                station_key(station),
                None,
                now,
            )
            raise
        st.plant_checked_at = None
        for plant in found:
            self.log.info("STATION %r is plant %r (%s)", station, plant.name, plant.code)
        codes = ",".join(p.code for p in found)
        if codes != st.plant_code:
            st.devices, st.devices_fetched_at = None, None  # other plants' devices
        st.plant_code, st.plant_for_station = codes, station_key(station)
        names = [p.name if len(found) == 1 else _one_line(p.name)[:32] for p in found]
        st.plant_name = NAMES_SEPARATOR.join(names)  # several: cut short, they label messages
        return found

    def devices(self, plants: Plant | Sequence[Plant]) -> list[Device]:
        """The plants' devices, from the cache unless it is older than 6 hours."""
        plants = _as_list(plants)
        cached = self._cached_devices(plants)
        age = self.clock.now() - (self.state.devices_fetched_at or 0.0)
        if cached is not None and 0 <= age < DEVICES_MAX_AGE:
            return cached
        return self._fetch_devices(plants)

    def readings(self, plants: Plant | Sequence[Plant], type_ids: Iterable[int]) -> list[Reading]:
        """Current readings of the plants' devices of these types: one call per type, whatever
        the number of plants (a chunk of 100 ids a call, as Huawei allows).

        Types without devices are skipped. A device missing from a reply means the device
        list is stale: it is refreshed and the readings that came back are returned.
        failCode 20006/20008 (devices changed or gone) also refreshes it, then raises
        (20007, or no devices at all: the plant is gone, looked up afresh next run):
        the next run reads with the new list (a second call for the type now would break
        Huawei's 5-minute quota). A type that answers 20013 serves no real-time data: it is
        remembered and not asked again until the device list changes. Only REAL_TIME_TYPES
        are ever asked.
        """
        plants = _as_list(plants)
        devices = self.devices(plants)  # first: a changed list forgets the types that said 20013
        unserved = set(self.state.unserved_types or ())
        wanted = sorted({int(t) for t in type_ids} & READ_TYPES - unserved)
        ids_by_type = {t: [d.id for d in devices if d.type_id == t] for t in wanted}
        ids_by_type = {t: ids for t, ids in ids_by_type.items() if ids}
        self._pace(ids_by_type)
        if not ids_by_type:
            return []
        self._mark_pending()
        try:
            found, missing = self._read_types(plants, ids_by_type)
        finally:
            self.state.kpi_pending = None  # each call that may have counted is in last_fetch
        if missing:
            ids = [r.device_id for r in missing]
            self._refresh_stale_devices(plants, f"device(s) {ids} missing from the readings")
        # A missing device is unknown, not absent: left out, it would count as zero in the sums.
        return found + missing

    def _mark_pending(self) -> None:
        """Save, before the calls, that they may count until the run's end: if the save after
        them is lost, the next run still keeps out of Huawei's 5-minute windows."""
        end = self.deadline.at if self.deadline else self.clock.now() + PENDING_WITHOUT_DEADLINE
        self.state.kpi_pending = end
        self._save_state("readings")

    def _read_types(
        self, plants: list[Plant], ids_by_type: dict[int, list[int]]
    ) -> tuple[list[Reading], list[Reading]]:
        self._ensure_token()  # a login now, not after the waits, keeps the calls on time
        found: list[Reading] = []
        missing: list[Reading] = []
        for type_id, ids in ids_by_type.items():
            # Each type waits for its own window: one wait before all the calls would put the
            # later types a round trip behind their windows, and that would add up run by run.
            self.clock.sleep(self._wait_for(type_id, self.clock.now()))
            for start in range(0, len(ids), MAX_IDS_PER_CALL):
                chunk = ids[start : start + MAX_IDS_PER_CALL]
                got = self._read_chunk(plants, type_id, chunk)
                if got is None:
                    break  # the type serves no real-time data: its devices are not missing
                found.extend(got)
                came = {r.device_id for r in got}
                missing.extend(Reading(i, type_id) for i in chunk if i not in came)
        return found, missing

    # --- devices ----------------------------------------------------------------------------
    def _cached_devices(self, plants: list[Plant]) -> list[Device] | None:
        try:
            cached = [Device.from_dict(d) for d in self.state.devices or ()]
        except (KeyError, TypeError, ValueError):
            return None  # a damaged cache is simply fetched again
        codes = {p.code for p in plants} | ({""} if len(plants) > 1 else set())
        # The cache is of the plants STATION names: `make discover` asks for others, or more.
        whose = self.state.plant_code in (None, ",".join(p.code for p in plants))
        if self.state.devices is None or not whose:
            return None
        if any(d.plant_code not in codes for d in cached):
            return None
        return cached

    def _fetch_devices(self, plants: list[Plant]) -> list[Device]:
        codes = [p.code for p in plants]
        body = {"stationCodes": ",".join(codes)}  # all the plants in one call
        envelope = self._call("getDevList", body, accept=PLANT_GONE_CODES)
        if replies.fail_code(envelope) in PLANT_GONE_CODES:
            whose = "its" if len(plants) == 1 else "their"
            what = f"failCode {replies.fail_code(envelope)} for {whose} devices"
            raise self._plant_gone(plants, plants, what)
        # One plant owns a device that names none; with several, it stays unattributed.
        only = codes[0] if len(codes) == 1 else ""
        found = [
            replace(d, plant_code=d.plant_code or only)
            for d in parse.devices(envelope.get("data"))
            if d.plant_code in (*codes, "")
        ]
        ours = self.state.plant_code in (None, ",".join(codes))  # `make discover` reads others
        if ours:
            # Only what the poller reads, without names (messages name devices by id), in the
            # order the state keeps them: optimizers (one per panel), or names, would overflow
            # SSM's 4 KB and the state could not be saved any more.
            kept = in_state_order(
                [replace(d, name="").to_dict() for d in found if d.type_id in READ_TYPES]
            )
            if kept != self.state.devices:
                self.state.unserved_types = None  # new devices: every type is asked again
            self.state.devices = kept
            self.state.devices_fetched_at = self.clock.now()
        for code in codes:
            types = sorted({d.type_id for d in found if d.plant_code == code})
            mine = sum(1 for d in found if d.plant_code == code)
            self.log.info("plant %s has %d devices of types %s", code, mine, types)
        if len(codes) > 1 and any(not d.plant_code for d in found):
            self.log.warning(
                "FusionSolar listed device(s) %s without their plant: counted in the sums, but "
                "not as any plant's meter or inverter",
                [d.id for d in found if not d.plant_code],
            )
        empty = [p for p in plants if not any(d.plant_code == p.code for d in found)]
        if empty and self.state.plant_code == ",".join(codes):
            self.state.devices = None  # not cached: the plant may have been re-created
            raise self._plant_gone(empty, plants, "an empty device list")
        return found

    def _plant_gone(self, gone: list[Plant], plants: list[Plant], what: str) -> UnexpectedResponse:
        """A plant vanished (re-created under a new code?): STATION is looked up afresh next run.
        `gone` are the plants it may be (20007 does not say which of several)."""
        st = self.state
        if st.plant_code == ",".join(p.code for p in plants):  # `make discover` reads others
            st.plant_code, st.devices, st.devices_fetched_at = None, None, None
        names = ", ".join(f"{p.name!r} ({p.code})" for p in gone)
        which = f"plant {names}: it" if len(gone) == 1 else f"plants {names}: one of them"
        return UnexpectedResponse(
            f"FusionSolar answered {what} for {which} may have been removed or re-created under "
            "a new code. The next run looks STATION up again in the plant list."
        )

    def _refresh_stale_devices(self, plants: list[Plant], why: str) -> bool:
        """Fetch the device list again unless it is under an hour old; True when fetched."""
        age = self.clock.now() - (self.state.devices_fetched_at or 0.0)
        if 0 <= age < STALE_REFRESH_MIN_AGE:
            self.log.warning("device list looks stale (%s) but is fresh; kept", why)
            return False
        self.log.info("device list looks stale (%s); fetching it again", why)
        self._fetch_devices(plants)
        return True

    # --- readings -----------------------------------------------------------------------
    def _read_chunk(
        self, plants: list[Plant], type_id: int, ids: list[int]
    ) -> list[Reading] | None:
        body = {"devIds": ",".join(str(i) for i in ids), "devTypeId": type_id}
        accept = STALE_DEVICE_CODES | PLANT_GONE_CODES
        envelope = self._call("getDevRealKpi", body, pace=type_id, accept=accept)
        code = replies.fail_code(envelope)
        if code == TYPE_NOT_SERVED:
            # E.g. an EMMA before SmartPVMS 25.2.0: asking again would only spend quota.
            self.state.unserved_types = sorted({*(self.state.unserved_types or ()), type_id})
            self.log.warning(
                "FusionSolar serves no real-time data for device type %d (failCode 20013); "
                "not asking for it again until the plant's device list changes",
                type_id,
            )
            return None
        if code in PLANT_GONE_CODES:
            raise self._plant_gone(plants, plants, f"failCode {code} for device type {type_id}")
        if code in STALE_DEVICE_CODES:
            why = f"failCode {code} for device type {type_id}"
            done = (
                "the device list was fetched again and the next run reads with it"
                if self._refresh_stale_devices(plants, why)
                else "the device list was fetched under an hour ago, so it is kept; if this "
                "repeats for over an hour, the next fetch should fix it"
            )
            raise UnexpectedResponse(
                f"FusionSolar says the devices of type {type_id} changed (failCode {code}); {done}"
            )
        wanted = set(ids)
        return [r for r in parse.readings(envelope, type_id) if r.device_id in wanted]

    def _pace(self, ids_by_type: dict[int, list[int]]) -> None:
        """Refuse all the calls, before any is made, when a window is far from open."""
        now = self.clock.now()
        pending = self.state.kpi_pending
        if pending is not None:  # the last run's save was lost: its calls may count until then
            for type_id in ids_by_type:
                key = str(type_id)
                self.state.last_fetch[key] = max(self.state.last_fetch.get(key, pending), pending)
            self.state.kpi_pending = None
        why = (
            "the state saved by the last run was lost, so its real-time calls may have counted "
            f"as late as {_utc(pending)}"
            if pending is not None
            else None
        )
        waits = {t: self._wait_for(t, now) for t in ids_by_type}
        if not waits or max(waits.values()) <= 0:
            return
        type_id = max(waits, key=lambda t: waits[t])
        wait = waits[type_id]
        left = self.deadline.remaining() if self.deadline else float("inf")
        if wait <= MAX_PACING_WAIT and left >= wait + sum(self.timeouts):
            self.log.debug("waiting up to %.1f s for the 5-minute windows", wait)
            return  # each type waits for its own window as it is read
        why = why or f"device type {type_id} was read {KPI_INTERVAL - wait:.0f} s ago"
        raise CallTooSoon(
            f"FusionSolar allows one real-time call per device type every 5 minutes and {why}: "
            "not calling until "
            f"{_utc(now + wait)}. Schedule runs at least 5 minutes apart, and do not let "
            "another app read the same account's devices."
        )

    def _wait_for(self, type_id: int, now: float) -> float:
        last = self.state.last_fetch.get(str(type_id))
        if last is None:
            return 0.0
        return min(last, now) + KPI_INTERVAL - now  # a clock that went back waits ≤ 5 min

    # --- calls and session --------------------------------------------------------------
    def _call(
        self,
        interface: str,
        body: dict[str, Any],
        *,
        pace: int | None = None,
        accept: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """One API call with a valid token; logs in again once when FusionSolar asks to."""
        self._ensure_token()
        envelope = self._attempt(interface, body, pace)
        code = replies.fail_code(envelope)
        if code in RELOGIN_CODES:
            self.log.info("FusionSolar ended the session (failCode %d); logging in again", code)
            self.state.token = None
            self._login()
            envelope = self._attempt(interface, body, pace)
            code = replies.fail_code(envelope)
        if code != 0 and code not in accept:
            raise replies.fail_code_error(interface, code, envelope, self._secrets())
        return envelope

    def _attempt(self, interface: str, body: dict[str, Any], pace: int | None) -> dict[str, Any]:
        """Send once and decode. For a paced device type, note the time of any reply that may
        have counted toward Huawei's quota: all but 305 and requests that never left."""
        envelope = None
        reached = True
        sent = self.clock.now()
        reply = None
        try:
            reply = self._exchange(interface, body)
            envelope = self._decode(interface, reply)
            return envelope
        except transport.NoReply as exc:
            reached = exc.reached
            raise FusionSolarUnavailable(str(exc)) from None
        finally:
            relogin = envelope is not None and replies.fail_code(envelope) in RELOGIN_CODES
            if pace is not None and reached and not relogin:
                single = reply is not None and reply.requests_sent == 1
                self.state.last_fetch[str(pace)] = self._counted_at(sent, envelope, single)

    def _counted_at(self, sent: float, envelope: dict[str, Any] | None, single: bool) -> float:
        """When Huawei counted the call toward its 5-minute window, on our clock, erring late.

        The reply's arrival is a safe bound, but anchoring on it makes every run's calls
        later than the last run's by a round trip: on a 5-minute schedule the waits grow until
        a run must be refused. The server's own stamp (params.currentTime) avoids that drift:
        the lead (server time - our send time) is Huawei's clock offset plus the trip there;
        the least recent lead that another recent one agrees with (`lead_estimate`) gives
        server time - lead, the earliest our clock could have read when the call was counted.
        A stamp no other agrees with (a bogus one, or Huawei's clock just stepped) is not
        trusted: the arrival is used. Recent leads only, so a drifting clock is followed.
        """
        arrived = self.clock.now()
        stamp = parse.server_time(envelope) if envelope is not None and single else None
        if stamp is None:
            return arrived
        lead = stamp - sent
        leads = [*(self.state.server_leads or ()), math.floor(lead * 1000) / 1000]
        self.state.server_leads = leads[-LEAD_SAMPLES:]
        estimate = lead_estimate(self.state.server_leads)
        if estimate is None or lead < estimate:
            return arrived
        return min(arrived, stamp - estimate + LEAD_MARGIN)

    def _ensure_token(self) -> None:
        issued = self.state.token_issued_at
        age = self.clock.now() - issued if issued is not None else None
        if self.state.token and age is not None and -60 <= age < TOKEN_REFRESH_AGE:
            return
        self._login()

    def _login(self) -> None:
        now = self.clock.now()
        self._check_guard(now)
        if self.logins:
            raise UnexpectedResponse(
                "FusionSolar asked for a second login within one run; not logging in again "
                "(repeated logins can lock the account). Another app or poller using the same "
                "FusionSolar account may be ending this session: give this one its own account."
            )
        guard.count_try(self.state, now)
        self._save_state("login")  # raises StateError: no saved guard, no login
        self.logins += 1
        refused = True  # unless answered otherwise: a lost reply may have counted as wrong
        try:
            self._send_login(now)
            refused = False
        except transport.NoReply as exc:
            refused = exc.reached
            raise FusionSolarUnavailable(str(exc)) from None
        except (CredentialsRejected, AccountLocked):
            raise
        except Exception:
            refused = False  # a quota, an outage or an odd reply: not a wrong password
            raise
        finally:
            if not refused:
                guard.not_refused(self.state, now)

    def _send_login(self, now: float) -> None:
        creds = self.credentials
        reply = self._exchange(
            "login", {"userName": creds.username, "systemCode": creds.system_code}
        )
        if reply.status == 200 and not reply.body.strip():
            raise self._reject(now, "rejected the user name or system code")
        envelope = self._decode("login", reply)
        code = replies.fail_code(envelope)
        if code in LOGIN_REJECTED:
            raise self._reject(now, f"rejected the login (failCode {code}: {LOGIN_REJECTED[code]})")
        if code in LOGIN_LOCKED:
            raise self._locked(now, code)
        if code != 0:
            raise replies.fail_code_error("login", code, envelope, self._secrets())
        if not reply.token:
            raise UnexpectedResponse(
                "FusionSolar accepted the login but sent no XSRF-TOKEN (header or cookie); "
                "check FUSIONSOLAR_BASE_URL is your region's FusionSolar portal"
            )
        st = self.state
        st.token, st.token_issued_at = reply.token, now
        guard.accepted(st, now)
        self.log.info(
            "logged in to FusionSolar (token kept for %d minutes)", TOKEN_REFRESH_AGE // 60
        )

    def _check_guard(self, now: float) -> None:
        st = self.state
        guarded_before = st.no_login_before is not None and now < st.no_login_before
        try:
            guard.check(st, self.credentials, now)
        except AccountLocked as exc:
            self.log.warning("%s", exc)
            raise
        if guarded_before:
            self.log.info("credentials changed since FusionSolar rejected them: logging in")

    def _forget_token(self) -> None:
        self.state.token, self.state.token_issued_at = None, None

    def _reject(self, now: float, what: str) -> CredentialsRejected:
        self._forget_token()
        until = guard.rejected(self.state, self.credentials, now)
        self.log.warning(
            "FusionSolar rejected the credentials; no login with them before %s", guard.utc(until)
        )
        return CredentialsRejected(
            f"FusionSolar {what}. Fix {SECRET_KEYS} in the secret (the Northbound API "
            "account, not the app login). To avoid locking the account, no login is tried "
            f"with these values before {guard.utc(until)}."
        )

    def _locked(self, now: float, code: int) -> CredentialsRejected | AccountLocked:
        """Huawei's answer for a locked account (20400 also means a wrong password)."""
        self._forget_token()
        until = guard.probable_lock(self.state, now)
        self.log.warning(
            "FusionSolar refused the login (failCode %d); no login of any credentials before %s",
            code,
            guard.utc(until),
        )
        cls = AccountLocked if code == 20403 else CredentialsRejected
        return cls(
            f"FusionSolar refused the login (failCode {code}: {LOGIN_LOCKED[code]}). The "
            "account may be locked, after wrong logins, for 30 minutes: no login of any "
            f"credentials is tried before {guard.utc(until)}. Check {SECRET_KEYS} in the "
            "secret (the Northbound API account) and the account in FusionSolar (Northbound "
            "management)."
        )

    def _save_state(self, call: str) -> None:
        if self.save_state is not None:
            self.save_state(self.state, call)

    # --- HTTP ---------------------------------------------------------------------------
    def _exchange(self, interface: str, body: dict[str, Any]) -> transport.Reply:
        """Send one request; raises transport.NoReply on transport failure."""
        headers = {} if interface == "login" else {"XSRF-TOKEN": self.state.token or ""}
        timeout = self._timeout(interface)
        started = time.perf_counter()
        self.calls += 1
        reply = transport.post(
            self._session, self._url(interface), interface, body, headers, timeout
        )
        self.calls += reply.requests_sent - 1
        transport.log_exchange(self.log, interface, reply, time.perf_counter() - started)
        return reply

    def _url(self, interface: str) -> str:
        return f"{self.base_url}/thirdData/{interface}"

    def _timeout(self, interface: str) -> tuple[float, float]:
        """(connect, read) seconds, capped by what is left of the run."""
        connect, read = self.timeouts
        left = self.deadline.remaining() if self.deadline else float("inf")
        if left < MIN_CALL_SECONDS:
            message = f"no time left in this run to call FusionSolar {interface}"
            raise transport.NoReply(message + "; the next run tries again", reached=False)
        return min(connect, left), min(read, left)

    def _decode(self, interface: str, reply: transport.Reply) -> dict[str, Any]:
        error = replies.status_error(interface, reply.status, reply.body, self._secrets())
        if error:
            raise error
        return replies.decode_envelope(interface, reply.status, reply.body, self._secrets())

    def _secrets(self) -> list[str]:
        return [s for s in (self.credentials.system_code, self.state.token) if s]


def lead_estimate(leads: list[float]) -> float | None:
    """The least of the leads that agree with the newest one, when another agrees with it;
    else the same for the leads before it (the newest is an outlier so far). None when no two
    leads agree. Leads are oldest first."""
    for end in range(len(leads), 1, -1):
        near = [x for x in leads[:end] if abs(x - leads[end - 1]) <= LEADS_AGREE]
        if len(near) >= 2:
            return min(near)
    return None


def _as_list(plants: Plant | Sequence[Plant]) -> list[Plant]:
    return [plants] if isinstance(plants, Plant) else list(plants)


def _one_line(name: str) -> str:
    return name.replace(NAMES_SEPARATOR, " ")


def _stored_plants(state: State) -> list[Plant]:
    """The plants found for STATION, as the state keeps them (codes comma-separated)."""
    codes = (state.plant_code or "").split(",")
    names = (state.plant_name or "").split(NAMES_SEPARATOR)
    if len(names) != len(codes):
        names = [""] * len(codes)  # names only label messages
    return [Plant(code=c, name=n) for c, n in zip(codes, names, strict=True)]


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
