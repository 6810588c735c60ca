"""Which of the account's plants a setting names: STATION, and METER_PLANTS among those.

The one place plants are matched. A name matches by plant code, else by exact name, else
ignoring case and surrounding spaces; several comma-separated names each match one plant, in
their order, each plant once. Pure: no I/O.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from fusioncharge.errors import PlantNotFound
from fusioncharge.models import Plant

ACCOUNT_PLANTS = "this FusionSolar account can see"


@dataclass(frozen=True)
class PlantNames:
    """A setting that names plants (STATION, METER_PLANTS), read once: its text as set and its
    comma-separated parts. Matched against the plant list below."""

    setting: str  # its name, for errors: "STATION"
    text: str
    whole_first: bool = False  # the whole text may be one plant's name holding a comma
    parts: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        parts = tuple(part.strip() for part in self.text.split(",") if part.strip())
        object.__setattr__(self, "parts", parts)

    def __str__(self) -> str:
        return self.text


def station_names(text: str) -> PlantNames:
    """STATION's text as PlantNames (the whole text is first tried as one plant's name)."""
    return PlantNames("STATION", text.strip(), whole_first=True)


def match_plant(station: str, plants: list[Plant], among: str = ACCOUNT_PLANTS) -> Plant:
    """The one plant STATION names (the whole setting as one name)."""
    return _match(station, plants, f"STATION {station!r}", "STATION", among, whole=True)


def match_plants(
    names: PlantNames | str, plants: list[Plant], among: str = ACCOUNT_PLANTS
) -> list[Plant]:
    """The plants a setting names (text: STATION): the whole text as one plant's name when the
    setting allows it (a name may hold a comma), else each comma-separated part, in order. A
    part that matches no plant, or names a plant another part named too (it would count
    twice), raises PlantNotFound naming it."""
    names = station_names(names) if isinstance(names, str) else names
    setting, text = names.setting, names.text
    if names.whole_first:
        try:
            return [_match(text, plants, f"{setting} {text!r}", setting, among, whole=True)]
        except PlantNotFound:
            if len(names.parts) < 2 and (not names.parts or names.parts[0] == text):
                raise  # one plant's error, as it always read
    found: list[Plant] = []
    for part in names.parts:
        plant = _match(part, plants, f"{part!r} in {setting} {text!r}", setting, among)
        if plant in found:
            raise PlantNotFound(
                f"{setting} {text!r} names plant {plant.name!r} ({plant.code}) twice; "
                "name each plant once (twice, it would count twice in the sum)"
            )
        found.append(plant)
    return found


def _match(
    name: str, plants: list[Plant], label: str, setting: str, among: str, whole: bool = False
) -> Plant:
    wanted = name.strip().casefold()
    tests: tuple[Callable[[Plant], bool], ...] = (
        lambda p: p.code == name,
        lambda p: p.name == name,
        lambda p: p.name.strip().casefold() == wanted,
    )
    for same in tests:
        found = [p for p in plants if same(p)] if wanted else []
        if len(found) == 1:
            return found[0]
        if found:
            raise PlantNotFound(
                f"{label} names {len(found)} plants: {_plant_list(found)}; "
                f"set {setting} to the plant code (NE=...) of the one to use"
            )
    if whole:
        hint = f"Set {setting} to one of these plant names or codes"
    else:
        hint = f"Set {setting} to these plant names or codes, comma-separated"
    raise PlantNotFound(f"{label} matches no plant {among}. {hint}: {_plant_list(plants)}")


def _plant_list(plants: list[Plant], shown: int = 20) -> str:
    if not plants:
        return "(none: the account sees no plants; check the user has access to your plant)"
    names = ", ".join(f"{p.name!r} ({p.code})" for p in plants[:shown])
    return names + (f" and {len(plants) - shown} more" if len(plants) > shown else "")
