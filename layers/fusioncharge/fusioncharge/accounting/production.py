"""Solar production from the inverters: never a DC-coupled battery's discharge. Pure: no I/O."""

from collections.abc import Sequence

from fusioncharge.accounting.battery import BATTERY_OFFLINE
from fusioncharge.accounting.inverters import inverters_pv
from fusioncharge.accounting.types import (
    AccountingLog,
    AccountingOptions,
    NoSiteMeters,
    SitePlant,
    field_value,
)
from fusioncharge.models import BATTERY, Reading


def production(
    inverter_ac: float,
    discharge: float | None,
    inverters: list[Reading],
    readings: list[Reading],
    options: AccountingOptions,
    plants: Sequence[SitePlant],
    log: AccountingLog,
    dark: frozenset[int] = frozenset(),
) -> float | NoSiteMeters:
    """Solar production (kW): never a DC battery's discharge (docs/accounting.md)."""
    if options.battery_coupling != "dc":
        return max(0.0, inverter_ac)
    if discharge is not None:
        # The hybrid inverter's AC output already holds the battery's discharge.
        return max(0.0, inverter_ac - discharge)
    if not battery_unaccounted(readings, plants):
        return max(0.0, inverter_ac)
    # A DC battery is there but no reading of it counts (USE_BATTERY_DATA=false, no reply):
    # the AC output may be the battery's, so production is taken from the PV side.
    log.notes.append(
        (
            "production from mppt_power",
            "the site has a battery behind its inverter but no battery reading counts: solar "
            "production is read from the PV side (mppt_power), battery fields are left out",
        )
    )
    return inverters_pv(inverters, log, dark)


def battery_unaccounted(readings: list[Reading], plants: Sequence[SitePlant]) -> bool:
    """The site has a battery (listed, or read) and no reading says what it does: none came,
    or none counts. A battery that says it is offline (status 0) moves no energy."""
    listed = any(d.type_id == BATTERY for p in plants for d in p.devices)
    batteries = [r for r in readings if r.type_id == BATTERY]
    if not listed and not batteries:
        return False
    return not any(field_value(r, "battery_status") == BATTERY_OFFLINE for r in batteries)
