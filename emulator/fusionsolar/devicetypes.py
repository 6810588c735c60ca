"""The emulator's own facts about device types and meters, written from docs/fusionsolar.md,
docs/accounting.md and the public captures, never imported from the library.

The library (fusioncharge.accounting.meters, fusioncharge.models) states the same facts for
reading; tests/harness/test_meter_agreement.py checks the two agree, so a sign flipped or a
counter renamed on one side alone fails loudly instead of moving the emulator along with it.
"""

from dataclasses import dataclass

STRING_INVERTER = 1
EMI = 10  # environmental monitor: served by getDevRealKpi, never read by the poller
GRID_METER = 17
RESIDENTIAL_INVERTER = 38
BATTERY = 39
ESS = 41  # served by getDevRealKpi, never read by the poller
POWER_SENSOR = 47
EMMA = 23070  # energy manager; real-time data since SmartPVMS 25.2.0
INVERTER_TYPES = frozenset({STRING_INVERTER, RESIDENTIAL_INVERTER})
# Types getDevRealKpi serves (doc p.53).
KPI_TYPES = frozenset(
    {STRING_INVERTER, EMI, GRID_METER, RESIDENTIAL_INVERTER, BATTERY, ESS, POWER_SENSOR, EMMA}
)


@dataclass(frozen=True)
class ServedMeter:
    """How the live service serves one meter type's `active_power` and lifetime counters."""

    type_id: int
    unit: str  # the unit the emulator serves: "W" or "kW"
    plus_is_import: bool  # what a positive `active_power` means
    import_counter: str  # lifetime kWh drawn from the grid
    export_counter: str  # lifetime kWh fed into the grid
    online_key: str | None  # a status field that reads 1 while the meter is online


# EMMA: kW, + = import, and its counters the other way round from the older meters
# (captured dataItemMap, 2026). Power sensor: W, + = export (DTSU666-H captures). Grid meter:
# W, today's unit since SmartPVMS 24.7.0 (older servers sent kW), + = export.
SERVED_METERS = (
    ServedMeter(EMMA, "kW", True, "active_cap", "reverse_active_cap", None),
    ServedMeter(POWER_SENSOR, "W", False, "reverse_active_cap", "active_cap", "meter_status"),
    ServedMeter(GRID_METER, "W", False, "reverse_active_cap", "active_cap", None),
)
SERVED_METER_BY_TYPE = {m.type_id: m for m in SERVED_METERS}
