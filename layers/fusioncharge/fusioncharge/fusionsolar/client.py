"""FusionSolar Northbound API client that never locks the user out.

One client object is one run (one Lambda invocation). What must survive between runs lives
in `State`, which the client mutates in place. The client is the facade a run uses; its parts:
- auth.py: the session token (reused for 29 minutes, never logged out) and the guarded login
  (login_guard.py: the lockout promise);
- pacing.py: one getDevRealKpi per device type per 5 minutes (the quota promise);
- catalogue.py: the plants STATION names (plant_list.py) and their device list, cached;
- session.py: the call funnel (a valid token, one relogin, pacing notes) and the checkpoint;
- transport.py: the request funnel (retries, timeouts, size limit, transport errors).

Several plants (STATION "Home,Garage") cost what one does: one getDevList for all of them, and
per device type one getDevRealKpi carrying every plant's devices (up to 100 ids a call), since
Huawei's quota counts per type, not per plant. Quota replies (407, 20618, HTTP 403/429) are
never retried; before real-time calls the state is saved with a mark that they may count, so
a lost save later cannot lead to a 407.
"""

import logging
from collections.abc import Iterable, Sequence

import requests

from fusioncharge.clock import Clock, Deadline, SystemClock
from fusioncharge.errors import UnexpectedResponse
from fusioncharge.fusionsolar import pacing, parse, replies
from fusioncharge.fusionsolar.auth import Credentials
from fusioncharge.fusionsolar.catalogue import (
    MAY_BE_UNSERVED,
    PLANT_GONE_CODES,
    READ_TYPES,
    Catalogue,
    as_list,
    unserved_types,
)
from fusioncharge.fusionsolar.session import ApiSession
from fusioncharge.fusionsolar.transport import Portal
from fusioncharge.models import Device, Plant, Reading
from fusioncharge.plant.match import PlantNames
from fusioncharge.state import State, StateStore
from fusioncharge.state.checkpoint import Checkpoint

logger = logging.getLogger(__name__)

__all__ = ["READ_TYPES", "Credentials", "FusionSolarClient"]

TYPE_NOT_SERVED = 20013  # "the device type is incorrect": this type has no real-time data
MAX_IDS_PER_CALL = 100


class FusionSolarClient:
    """One run's reader of FusionSolar (built by `on_store`): STATION's plants, their devices
    and readings, within Huawei's quotas, never risking a lockout; it changes `state` in place.
    `session` is the HTTP connection pool; `api` the logged-in API session (session.py)."""

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
        checkpoint: Checkpoint,
    ) -> None:
        self.state = state
        self.clock: Clock = clock or SystemClock()
        self.deadline = deadline
        self.timeouts = timeouts
        self.logger = logger
        self.checkpoint = checkpoint  # saves the state before a login or readings: required
        self.session = session or requests.Session()
        self.portal = Portal(
            base_url, self.session, timeouts=timeouts, deadline=deadline, logger=logger
        )
        self.api = ApiSession(self.portal, credentials, state, self.clock, logger, checkpoint)
        self.auth = self.api.auth
        self.catalogue = Catalogue(state, self.clock, logger, self.api.call)

    @classmethod
    def on_store(
        cls,
        base_url: str,
        credentials: Credentials,
        store: StateStore,
        *,
        clock: Clock | None = None,
        deadline: Deadline | None = None,
        timeouts: tuple[float, float] = (5.0, 15.0),
        session: requests.Session | None = None,
    ) -> "FusionSolarClient":
        """The client of one run on the state in `store`: a Checkpoint loads it and saves it
        before a login or readings (merged with what a racing run saved). The one way callers
        build a client, so none can leave the checkpoint out."""
        clock = clock or SystemClock()
        checkpoint = Checkpoint(store, clock, deadline)
        return cls(
            base_url,
            credentials,
            checkpoint.load(),
            clock=clock,
            deadline=deadline,
            timeouts=timeouts,
            session=session,
            checkpoint=checkpoint,
        )

    @property
    def calls(self) -> int:
        """Requests sent to FusionSolar by this client (retries included)."""
        return self.portal.calls

    @property
    def logins(self) -> int:
        return self.auth.logins

    # --- public API ---------------------------------------------------------------------
    def list_plants(self) -> list[Plant]:
        """Every plant the account can see (all pages of /thirdData/stations)."""
        return self.catalogue.list_plants()

    def plant(self, station: PlantNames | str) -> Plant:
        """The one plant STATION names (see `plants`)."""
        return self.catalogue.plant(station)

    def plants(self, station: PlantNames | str) -> list[Plant]:
        """The plants STATION names, in its order (see Catalogue.plants)."""
        return self.catalogue.plants(station)

    def devices(self, plants: Plant | Sequence[Plant]) -> list[Device]:
        """The plants' devices, from the cache unless it is older than 6 hours."""
        return self.catalogue.devices(plants)

    def readable_devices(self, plants: Plant | Sequence[Plant]) -> list[Device]:
        """The plants' devices whose readings may be asked: less the types that said 20013."""
        return self.catalogue.readable_devices(plants)

    def readings(self, plants: Plant | Sequence[Plant], type_ids: Iterable[int]) -> list[Reading]:
        """Current readings of the plants' devices of these types: one call per type, whatever
        the number of plants (a chunk of 100 ids a call, as Huawei allows).

        Types without devices are skipped. A device missing from a reply is returned as
        unknown (no list call: a dead device would spend the day's getDevList calls).
        failCode 20006/20008 (devices changed or gone) also refreshes it, then raises
        (20007, or no devices at all: the plant is gone, looked up afresh next run):
        the next run reads with the new list (a second call for the type now would break
        Huawei's 5-minute quota). 20013 for a type that may serve no real-time data (EMMA) is
        remembered until the next device-list fetch; for any other type it makes this run's
        readings of it unknown (see _not_served). Only REAL_TIME_TYPES are ever asked.
        """
        plants = as_list(plants)
        devices = self.readable_devices(plants)
        wanted = sorted({int(t) for t in type_ids} & READ_TYPES)
        ids_by_type = {t: [d.id for d in devices if d.type_id == t] for t in wanted}
        ids_by_type = {t: ids for t, ids in ids_by_type.items() if ids}
        self._pace(list(ids_by_type))
        if not ids_by_type:
            return []
        now = self.clock.now()
        pacing.mark_pending(self.state, now, self.deadline.at if self.deadline else None)
        self.api.save_before("readings")
        try:
            found, missing = self._read_types(plants, ids_by_type)
        finally:
            self.state.kpi_pending = None  # each call that may have counted is in last_fetch
        if missing:  # no list call: the 6-hourly refresh finds a removed device
            ids = [r.device_id for r in missing]
            self.logger.warning("device(s) %s missing from the readings: unknown", ids)
        # A missing device is unknown, not absent: left out, it would count as zero in the sums.
        return found + missing

    # --- readings -----------------------------------------------------------------------
    def _pace(self, type_ids: list[int]) -> None:
        """Refuse all the calls, before any is made, when a window is far from open."""
        left = self.deadline.remaining() if self.deadline else float("inf")
        now = self.clock.now()
        wait = pacing.check_windows(self.state, type_ids, now, left - sum(self.timeouts))
        if wait > 0:
            self.logger.debug("waiting up to %.1f s for the 5-minute windows", wait)

    def _read_types(
        self, plants: list[Plant], ids_by_type: dict[int, list[int]]
    ) -> tuple[list[Reading], list[Reading]]:
        self.auth.ensure_token()  # a login now, not after the waits, keeps the calls on time
        found: list[Reading] = []
        missing: list[Reading] = []
        for type_id, ids in ids_by_type.items():
            # Each type waits for its own window: one wait before all the calls would put the
            # later types a round trip behind their windows, and that would add up run by run.
            self.clock.sleep(pacing.wait_for(self.state, type_id, self.clock.now()))
            for start in range(0, len(ids), MAX_IDS_PER_CALL):
                chunk = ids[start : start + MAX_IDS_PER_CALL]
                got = self._read_chunk(plants, type_id, chunk)
                if got is None:
                    break  # the type serves no real-time data: its devices are not missing
                found.extend(got)
                came = {r.device_id for r in got}
                missing.extend(Reading(i, type_id) for i in chunk if i not in came)
        return found, missing

    def _read_chunk(
        self, plants: list[Plant], type_id: int, ids: list[int]
    ) -> list[Reading] | None:
        body = {"devIds": ",".join(str(i) for i in ids), "devTypeId": type_id}
        accept = replies.STALE_DEVICE_CODES | PLANT_GONE_CODES
        envelope = self.api.call("getDevRealKpi", body, pace=type_id, accept=accept)
        code = replies.fail_code(envelope)
        if code == TYPE_NOT_SERVED:
            return self._not_served(type_id, ids)
        if code in PLANT_GONE_CODES:
            what = f"failCode {code} for device type {type_id}"
            raise self.catalogue.plant_gone(plants, plants, what)
        if code in replies.STALE_DEVICE_CODES:
            why = f"failCode {code} for device type {type_id}"
            done = (
                "the device list was fetched again and the next run reads with it"
                if self.catalogue.refresh_stale_devices(plants, why)
                else "the device list was fetched under an hour ago, or could not be had under "
                "two hours ago, so it is kept; if this repeats for hours, the next fetch should "
                "fix it"
            )
            raise UnexpectedResponse(
                f"FusionSolar says the devices of type {type_id} changed (failCode {code}); {done}"
            )
        wanted = set(ids)
        return [r for r in parse.readings(envelope, type_id) if r.device_id in wanted]

    def _not_served(self, type_id: int, ids: list[int]) -> list[Reading] | None:
        """failCode 20013. Remembered (until the next device-list fetch) only for a type known
        to serve no real-time data on some servers (an EMMA before SmartPVMS 25.2.0); for an
        inverter, a battery or a meter it is this run's failure: its readings are unknown (not
        missing: the device list is not stale) and the next run asks again."""
        if type_id in MAY_BE_UNSERVED:
            self.state.unserved_types = sorted({*unserved_types(self.state), type_id})
            self.logger.warning(
                "FusionSolar serves no real-time data for device type %d (failCode 20013); "
                "not asking for it again until the device list is next fetched",
                type_id,
            )
            return None
        self.logger.warning(
            "FusionSolar answered failCode 20013 for device type %d, which serves real-time "
            "data: its readings are unknown this run and asked for again next run",
            type_id,
        )
        return [Reading(i, type_id) for i in ids]
