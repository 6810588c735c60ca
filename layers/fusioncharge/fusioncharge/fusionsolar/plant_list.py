"""The plants STATION names: looked up in the plant list once, then remembered in the State.

Huawei allows the plant list (/thirdData/stations) only a few dozen calls a day, so the plants
are looked up only when STATION changes, and a STATION that matched no plant again at most
hourly. What the list says of each plant besides its name (capacity, coordinates, grid
connection date: models.PlantFacts) is kept with it; a state from before that was kept learns
it once.
"""

import logging
from collections.abc import Callable
from typing import Any

from fusioncharge.clock import Clock, utc
from fusioncharge.errors import PlantNotFound
from fusioncharge.fusionsolar import parse
from fusioncharge.models import Plant
from fusioncharge.plant import match as plant_match
from fusioncharge.plant.match import PlantNames
from fusioncharge.state import State, station_key

PLANT_LOOKUP_INTERVAL = 3600  # a STATION not found is looked up again at most hourly
MAX_PLANT_PAGES = 100
NAMES_SEPARATOR = "\n"  # between the plants' names in State.plant_name (never in a kept name)
# One API call with a valid token: (interface, body, accept=failCodes not raised) -> envelope.
Call = Callable[..., dict[str, Any]]


class PlantList:
    def __init__(self, state: State, clock: Clock, logger: logging.Logger, call: Call) -> None:
        self.state = state
        self.clock = clock
        self.logger = logger
        self.call = call

    def all(self) -> list[Plant]:
        """Every plant the account can see (all pages of /thirdData/stations)."""
        plants, pages = parse.plants_page(self.call("stations", {"pageNo": 1}).get("data"))
        for page in range(2, min(pages, MAX_PLANT_PAGES) + 1):
            more, _ = parse.plants_page(self.call("stations", {"pageNo": page}).get("data"))
            plants.extend(more)
        return plants

    def remembered(self, names: PlantNames) -> list[Plant] | None:
        """The plants found for this STATION before, as the state keeps them; None when it
        changed or they were not found."""
        st = self.state
        if st.plant_for_station != station_key(names.text) or st.plant_code is None:
            return None
        return stored_plants(st)

    def look_up(self, names: PlantNames) -> list[Plant]:
        """The plants STATION names, in its order, from the plant list. One name or code, or
        several comma-separated (a name holding a comma still names one plant); a part that
        matches no plant raises PlantNotFound naming it."""
        station, st, now = names.text, self.state, self.clock.now()
        checked = st.plant_checked_at if st.plant_for_station == station_key(station) else None
        if checked is not None and 0 <= now - checked < PLANT_LOOKUP_INTERVAL:
            what = "named a plant not found" if "," in station else "matched no plant"
            raise PlantNotFound(
                f"STATION {station!r} {what} when the plant list was last read "
                f"({utc(checked)}; that run's log lists the plants). Set STATION to one of them "
                "(make discover lists them too): a changed STATION is looked up at once, the same "
                f"one again after {utc(checked + PLANT_LOOKUP_INTERVAL)} (Huawei allows the plant "
                "list only a few dozen times a day)."
            )
        try:
            found = plant_match.match_plants(names, self.all())
        except PlantNotFound:
            st.plant_for_station, st.plant_code, st.plant_checked_at = (
                station_key(station),
                None,
                now,
            )
            raise
        st.plant_checked_at = None
        for plant in found:
            self.logger.info("STATION %r is plant %r (%s)", station, plant.name, plant.code)
        codes = ",".join(p.code for p in found)
        if codes != st.plant_code:
            st.devices, st.devices_fetched_at = None, None  # other plants' devices
        st.plant_code, st.plant_for_station = codes, station_key(station)
        labels = [p.name if len(found) == 1 else _one_line(p.name)[:32] for p in found]
        st.plant_name = NAMES_SEPARATOR.join(labels)  # several: cut short, they label messages
        st.plant_facts = [p.facts() for p in found]
        return found

    def learn_facts(self) -> list[Plant]:
        """The plants' capacity, coordinates and grid connection date, read once from the plant
        list beside a device-list fetch (a stations call of its ~34 a day). Marked as asked
        first: a failed call is not repeated run after run; the fallbacks stand in."""
        st = self.state
        st.plant_facts = []
        by_code = {p.code: p for p in self.all()}
        codes = (st.plant_code or "").split(",")
        st.plant_facts = [by_code.get(c, Plant(c, "")).facts() for c in codes]
        return stored_plants(st)


def stored_plants(state: State) -> list[Plant]:
    """The plants found for STATION, as the state keeps them (codes comma-separated)."""
    codes = (state.plant_code or "").split(",")
    names = (state.plant_name or "").split(NAMES_SEPARATOR)
    if len(names) != len(codes):
        names = [""] * len(codes)  # names only label messages
    facts = state.plant_facts if len(state.plant_facts or ()) == len(codes) else None
    return [
        Plant(code=c, name=n).with_facts(facts[i] if facts else None)
        for i, (c, n) in enumerate(zip(codes, names, strict=True))
    ]


def _one_line(name: str) -> str:
    return name.replace(NAMES_SEPARATOR, " ")
