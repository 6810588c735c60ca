"""The site's inverters: their AC power summed, known for every plant, or no site meters."""

from collections.abc import Sequence

from fusioncharge.accounting import plausibility
from fusioncharge.accounting.types import AccountingLog, NoSiteMeters, SitePlant, field_value
from fusioncharge.models import INVERTER_TYPES, Reading

STANDBY_NO_IRRADIATION = 40960
SHUTDOWN_STATES = range(768, 775)  # 768-774: shutdown on fault, on command, ... DC switch off
NIGHT_HINT = (
    ": it reports nothing at all, as a disconnected inverter does at night; when this happens "
    "at night, set PLANT_LOCATION so the poller knows when the sun is down"
)


def inverters_ac(
    inverters: list[Reading], log: AccountingLog, dark: frozenset[int] = frozenset()
) -> float | NoSiteMeters:
    """Σ active_power (kW); a non-numeric value is 0 only when the inverter says it is idle,
    or says nothing at all (every value unknown) while the sun is down at its plant (`dark`:
    the device ids of plants in the night)."""
    if not inverters:
        return NoSiteMeters("no inverter reading: solar production is unknown")
    total = 0.0
    for inverter in inverters:
        if asleep(inverter, dark):
            # Disconnected for the night: every value "N/A". By day the same is an error.
            log.notes.append(
                (
                    f"inverter {inverter.device_id} dark",
                    f"inverter {inverter.device_id} reports only unknown values while the sun "
                    "is down at its plant: counted as producing nothing",
                )
            )
            continue
        if inverter.empty:
            return NoSiteMeters(
                f"inverter {inverter.device_id} sent no reading (FusionSolar answered without "
                "it): solar production is unknown"
            )
        power = field_value(inverter, "active_power")
        if power is None:
            state = field_value(inverter, "inverter_state")
            if not _not_producing(state):
                shown = "unknown" if state is None else f"{state:g}"
                hint = "" if inverter.values else NIGHT_HINT
                return NoSiteMeters(
                    f"inverter {inverter.device_id} active_power unknown while producing "
                    f"(inverter_state {shown}){hint}"
                )
            power = 0.0
        problem = plausibility.power_problem(inverter, power)
        if problem is not None:
            why = f"inverter {inverter.device_id} active_power {power:g} kW is not plausible"
            log.dropped.append(f"{why}: {problem}")
            return NoSiteMeters(f"{why} ({problem}): solar production is unknown")
        total += power
    return total


def asleep(inverter: Reading, dark: frozenset[int]) -> bool:
    """Every value unknown while the sun is down at the inverter's plant."""
    return inverter.device_id in dark and bool(inverter.unknown) and not inverter.values


def inverters_pv(
    inverters: list[Reading], log: AccountingLog, dark: frozenset[int] = frozenset()
) -> float | NoSiteMeters:
    """Σ mppt_power (kW): what the PV strings give, without a DC battery's discharge. For a
    site with a hybrid inverter whose battery sent no reading this run."""
    total = 0.0
    for inverter in (i for i in inverters if not asleep(i, dark)):
        power = field_value(inverter, "mppt_power")
        if power is None and _not_producing(field_value(inverter, "inverter_state")):
            power = 0.0
        if power is None:
            return NoSiteMeters(
                f"no battery reading counted this run and inverter {inverter.device_id} sends no "
                "mppt_power: its AC output would count the battery's discharge as solar "
                "production, so production is unknown"
            )
        # DC side: the AC V·I says nothing about it (PV may all go to the battery).
        problem = plausibility.beyond_any_device(power)
        if problem is not None:
            why = f"inverter {inverter.device_id} mppt_power {power:g} kW is not plausible"
            log.dropped.append(f"{why}: {problem}")
            return NoSiteMeters(f"{why} ({problem}): solar production is unknown")
        total += max(0.0, power)
    return total


def _not_producing(state: float | None) -> bool:
    return state is not None and (state == STANDBY_NO_IRRADIATION or state in SHUTDOWN_STATES)


def plant_without_inverter(
    plants: Sequence[SitePlant], inverters: list[Reading]
) -> NoSiteMeters | None:
    """With several plants, each must have an inverter reading: a plant left out would read as
    less production, a partial sum that looks like the whole site."""
    if len(plants) < 2:
        return None
    read = {r.device_id for r in inverters}
    for plant in plants:
        if not any(d.id in read for d in plant.devices if d.type_id in INVERTER_TYPES):
            return NoSiteMeters(
                f"no inverter reading for plant {plant.label}: the site's production is unknown "
                "(the other plants' alone would look like the whole site)"
            )
    return None
