"""The plants and devices a run reads: found once, remembered in the State, read again rarely.

Huawei allows the plant and device lists only a few dozen calls a day, so the plants STATION
names are looked up only when STATION changes (plant_list.py), and the device list is kept for
6 hours (a stale one: fetched again at most hourly). Several plants (STATION "Home,Garage")
share one getDevList.
"""

import logging
from collections.abc import Sequence
from dataclasses import replace

from fusioncharge.clock import Clock, utc
from fusioncharge.errors import (
    FusionSolarUnavailable,
    QuotaExceeded,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar import missing_types, parse, replies
from fusioncharge.fusionsolar.plant_list import Call, PlantList
from fusioncharge.models import EMMA, REAL_TIME_TYPES, Device, Plant
from fusioncharge.plant.match import PlantNames, station_names
from fusioncharge.state import State
from fusioncharge.state.devices import in_state_order

DEVICES_MAX_AGE = 6 * 3600
STALE_REFRESH_MIN_AGE = 3600  # getDevList allows ~25 calls a day: stale refreshes ≤ 1 an hour
# A device list refused, failed or empty is asked again this late: 2 hours keeps even a 5xx
# (retried once) within the daily cap of about 25 list calls.
LIST_RETRY_INTERVAL = 2 * 3600
NEXT_RUN = 240  # seconds: soon enough for the next 5-minute run
READ_TYPES = REAL_TIME_TYPES  # what the poller reads; never dongles, optimizers, SmartGuard
# Of the types read, those a server may serve no real-time data for (20013): an EMMA before
# SmartPVMS 25.2.0. Only these are remembered as unserved; an inverter, a battery or a meter
# answering 20013 is one run's failure (docs/fusionsolar.md).
MAY_BE_UNSERVED = frozenset({EMMA})
# 20007: no such plant (removed, or re-created under a new code). 20008 (no such devices)
# refreshes the device list, which then answers 20007 or nothing when the plant is gone.
PLANT_GONE_CODES = frozenset({20007})


class Catalogue:
    def __init__(self, state: State, clock: Clock, logger: logging.Logger, call: Call) -> None:
        self.state = state
        self.clock = clock
        self.logger = logger
        self.call = call
        self.plant_list = PlantList(state, clock, logger, call)

    def list_plants(self) -> list[Plant]:
        """Every plant the account can see (all pages of /thirdData/stations)."""
        return self.plant_list.all()

    def plant(self, station: PlantNames | str) -> Plant:
        """The one plant STATION names (see `plants`)."""
        found = self.plants(station)
        if len(found) != 1:
            raise ValueError(f"STATION {str(station)!r} names {len(found)} plants: use plants()")
        return found[0]

    def plants(self, names: PlantNames | str) -> list[Plant]:
        """The plants STATION names, in its order; looked up only when the STATION setting
        changed (plant_list.py)."""
        names = station_names(names) if isinstance(names, str) else names
        stored = self.plant_list.remembered(names)
        if stored is None:
            return self.plant_list.look_up(names)
        if self.state.plant_facts is None and self._devices_due():
            return self.plant_list.learn_facts()  # a state from before facts were kept: once
        return stored

    def _devices_due(self) -> bool:
        age = self.clock.now() - (self.state.devices_fetched_at or 0.0)
        return self.state.devices is None or not 0 <= age < DEVICES_MAX_AGE

    def devices(self, plants: Plant | Sequence[Plant]) -> list[Device]:
        """The plants' devices, from the cache unless it is older than 6 hours; the cache also
        when the list cannot be had, or was not to be had under an hour ago."""
        plants = as_list(plants)
        cached = self.cached_devices(plants)
        now = self.clock.now()
        age = now - (self.state.devices_fetched_at or 0.0)
        if cached is not None and 0 <= age < DEVICES_MAX_AGE:
            return cached
        asked = self.state.devices_asked_at
        if asked is not None and 0 <= now - asked < LIST_RETRY_INTERVAL:
            if cached is not None:
                return cached
            raise FusionSolarUnavailable(
                f"FusionSolar gave no device list at {utc(asked)}; it is asked again after "
                f"{utc(asked + LIST_RETRY_INTERVAL)} (Huawei allows it about 25 times a day)"
            )
        try:
            found = self.fetch_devices(plants)
        except (QuotaExceeded, FusionSolarUnavailable, UnexpectedResponse) as exc:
            if isinstance(exc, PlantGone):
                raise
            # Without a list to read with, a first failure is tried again at the next run;
            # after that every two hours, as with one (at most 25 list calls a day).
            again = cached is None and self.state.devices_asked_at is None
            self.state.devices_asked_at = now - (LIST_RETRY_INTERVAL - NEXT_RUN if again else 0)
            if cached is None:
                raise
            self.logger.warning(
                "device list not to be had (%s); reading with the one of %s, asking again after %s",
                exc,
                utc(self.state.devices_fetched_at or now),
                utc(now + LIST_RETRY_INTERVAL),
            )
            return cached
        self.state.devices_asked_at = None
        return found

    def readable_devices(self, plants: Plant | Sequence[Plant]) -> list[Device]:
        """The plants' devices (see `devices`) less the types that said 20013 since the list
        was fetched: those are not asked until the next fetch."""
        listed = self.devices(plants)  # first: a fetched list forgets the types that said 20013
        unserved = unserved_types(self.state)
        return [d for d in listed if d.type_id not in unserved]

    def cached_devices(self, plants: list[Plant]) -> list[Device] | None:
        cached = self.state.devices
        # The cache is of the plants STATION names: `make discover` asks for others, or more.
        whose = self.state.plant_code in (None, ",".join(p.code for p in plants))
        if cached is None or not whose:
            return None
        codes = {p.code for p in plants} | ({""} if len(plants) > 1 else set())
        if any(d.plant_code not in codes for d in cached):
            return None
        return list(cached)

    def fetch_devices(self, plants: list[Plant]) -> list[Device]:
        codes = [p.code for p in plants]
        body = {"stationCodes": ",".join(codes)}  # all the plants in one call
        envelope = self.call("getDevList", body, accept=PLANT_GONE_CODES)
        if replies.fail_code(envelope) in PLANT_GONE_CODES:
            whose = "its" if len(plants) == 1 else "their"
            what = f"failCode {replies.fail_code(envelope)} for {whose} devices"
            raise self.plant_gone(plants, plants, what)
        # One plant owns a device that names none; with several, it stays unattributed.
        only = codes[0] if len(codes) == 1 else ""
        found = [
            replace(d, plant_code=d.plant_code or only)
            for d in parse.devices(envelope.get("data"))
            if d.plant_code in (*codes, "")
        ]
        ours = self.state.plant_code in (None, ",".join(codes))  # `make discover` reads others
        empty = [p for p in plants if not any(d.plant_code == p.code for d in found)]
        if empty and ours:
            # Not cached (the last good list stays): a hiccup, or a plant re-created under a
            # new code, which its readings then answer with 20007 (looked up afresh).
            names = ", ".join(f"{p.name!r} ({p.code})" for p in empty)
            raise UnexpectedResponse(
                f"FusionSolar listed no devices for plant {names}; the device list is asked "
                "again in two hours (if the plant was removed or re-created, set STATION to it)"
            )
        if ours:
            found = self._keep(found, plants)
        for code in codes:
            types = sorted({d.type_id for d in found if d.plant_code == code})
            mine = sum(1 for d in found if d.plant_code == code)
            self.logger.info("plant %s has %d devices of types %s", code, mine, types)
        if len(codes) > 1 and any(not d.plant_code for d in found):
            self.logger.warning(
                "FusionSolar listed device(s) %s without their plant: counted in the sums, but "
                "not as any plant's meter or inverter",
                [d.id for d in found if not d.plant_code],
            )
        return found

    def _keep(self, found: list[Device], plants: list[Plant]) -> list[Device]:
        """Cache what the poller reads, without names (messages name devices by id), in the
        order the state keeps them: optimizers (one per panel), or names, would overflow SSM's
        4 KB. A type the cached list has and this one lacks stays until a next list agrees
        (missing_types.py); an empty plant is the plant-gone check's."""
        st = self.state
        kept = in_state_order([replace(d, name="") for d in found if d.type_id in READ_TYPES])
        if all(any(d.plant_code == p.code for d in found) for p in plants):
            cached = self.cached_devices(plants)
            checked = missing_types.keep_missing(cached, kept, st.missing_types)
            if checked.kept_ids:
                self.logger.warning(
                    "the device list came without device type(s) %s that it had before: "
                    "device(s) %s kept until a next list agrees they are gone",
                    checked.missing,
                    checked.kept_ids,
                )
                ids = set(checked.kept_ids)
                found = found + [d for d in checked.devices if d.id in ids]
            kept, st.missing_types = in_state_order(checked.devices), checked.missing
        # Each fetch forgets the types that said 20013 (a server update may serve them now):
        # the list's 6 hours bound how long a type goes unasked.
        st.unserved_types = None
        st.devices, st.devices_fetched_at = kept, self.clock.now()
        return found

    def plant_gone(self, gone: list[Plant], plants: list[Plant], what: str) -> "PlantGone":
        """A plant vanished (re-created under a new code?): STATION is looked up afresh next run.
        `gone` are the plants it may be (20007 does not say which of several)."""
        st = self.state
        if st.plant_code == ",".join(p.code for p in plants):  # `make discover` reads others
            st.plant_code, st.devices, st.devices_fetched_at = None, None, None
        names = ", ".join(f"{p.name!r} ({p.code})" for p in gone)
        which = f"plant {names}: it" if len(gone) == 1 else f"plants {names}: one of them"
        return PlantGone(
            f"FusionSolar answered {what} for {which} may have been removed or re-created under "
            "a new code. The next run looks STATION up again in the plant list."
        )

    def refresh_stale_devices(self, plants: list[Plant], why: str) -> bool:
        """Fetch the device list again unless it is under an hour old, or a list asked for
        under two hours ago could not be had; True when fetched. A list that cannot be had
        now is noted, so the next runs do not ask for it again before two hours."""
        now = self.clock.now()
        age = now - (self.state.devices_fetched_at or 0.0)
        asked = self.state.devices_asked_at
        if 0 <= age < STALE_REFRESH_MIN_AGE or (
            asked is not None and 0 <= now - asked < LIST_RETRY_INTERVAL
        ):
            self.logger.warning("device list looks stale (%s); kept, not asked for yet", why)
            return False
        self.logger.info("device list looks stale (%s); fetching it again", why)
        try:
            self.fetch_devices(plants)
        except (QuotaExceeded, FusionSolarUnavailable, UnexpectedResponse) as exc:
            if not isinstance(exc, PlantGone):
                self.state.devices_asked_at = now
            raise
        self.state.devices_asked_at = None
        return True


class PlantGone(UnexpectedResponse):
    """FusionSolar says the plant does not exist (20007): no cached device list stands in."""


def unserved_types(state: State) -> set[int]:
    """The types not asked this run: said 20013 since the last device-list fetch. Only types
    that may be unserved count (older versions remembered any type, an inverter too)."""
    return {int(t) for t in state.unserved_types or ()} & MAY_BE_UNSERVED


def as_list(plants: Plant | Sequence[Plant]) -> list[Plant]:
    return [plants] if isinstance(plants, Plant) else list(plants)
