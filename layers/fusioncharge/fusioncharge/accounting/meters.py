"""Grid meters as data: one row per meter type says how to read it.

The accounting and the setups table in docs/reference.md read `METER_TYPES`, so the next meter
Huawei ships is one more row (and one in the emulator's own table,
emulator/fusionsolar/devicetypes.py, which a harness test holds to agree with this one). Facts
per type, as the live service behaves:
- 23070 EMMA energy manager: kW, + means import, `active_cap` is the import counter.
- 47 power sensor: W, + means export, `active_cap` is the export counter.
- 17 grid meter: W since SmartPVMS 24.7.0, kW before; told apart per reading from V·I·pf.

Pure: no I/O. Logging is the caller's (it gets the reasons as text).
"""

import math
from dataclasses import dataclass

from fusioncharge.models import EMMA, GRID_METER, POWER_SENSOR, Reading

AUTO = "auto"  # the unit is decided from the reading itself (grid meter)
POWER_FIELD = "active_power"
MIN_VA_TO_DECIDE = 100.0  # below this, V·I says too little to tell W from kW
VA_SLACK_W = 1000.0  # measurement slack when comparing a power with the meter's own V·I
VA_FACTOR = 3.0  # a power above 3x the device's own V·I (plus slack) is no measurement


@dataclass(frozen=True)
class MeterType:
    type_id: int
    name: str  # in the users' words
    setting: str  # the USE_*_DATA setting that leaves this meter out
    option: str  # the AccountingOptions field that setting fills
    unit: str  # of `active_power`: "W", "kW" or AUTO
    plus_is_import: bool  # what a positive `active_power` means
    import_counter: str  # lifetime kWh counter of energy drawn from the grid
    export_counter: str  # lifetime kWh counter of energy fed into the grid
    online_key: str | None = None  # a status that must read 1 for the meter to count
    limits: str = ""  # known limits, for the setups table in docs/reference.md

    @property
    def sign(self) -> str:
        return "+ = import" if self.plus_is_import else "+ = export"


# The order in which one meter stands in for another: the first usable one is the site's meter.
METER_TYPES = (
    MeterType(
        EMMA,
        "EMMA energy manager",
        "USE_EMMA_DATA",
        "use_emma",
        "kW",
        plus_is_import=True,
        import_counter="active_cap",
        export_counter="reverse_active_cap",
        limits="real-time data since SmartPVMS 25.2.0; older servers answer 20013",
    ),
    MeterType(
        POWER_SENSOR,
        "power sensor",
        "USE_POWER_SENSOR_DATA",
        "use_power_sensor",
        "W",
        plus_is_import=False,
        import_counter="reverse_active_cap",
        export_counter="active_cap",
        online_key="meter_status",
    ),
    MeterType(
        GRID_METER,
        "grid meter",
        "USE_GRID_METER_DATA",
        "use_grid_meter",
        AUTO,
        plus_is_import=False,
        import_counter="reverse_active_cap",
        export_counter="active_cap",
        limits="W since SmartPVMS 24.7.0, kW before (decided per reading); sign unsettled",
    ),
)
METER_BY_TYPE = {m.type_id: m for m in METER_TYPES}


def apparent_power_va(reading: Reading) -> float | None:
    """Σ V·|I| over the device's phases (VA), or None when it does not report every phase.

    Only per-phase values (`a_u`/`a_i`, `b_u`/`b_i`, `c_u`/`c_i`) bound a power: a power
    sensor's single `meter_u`/`meter_i` is one phase of three (a captured DTSU666-H reads
    1537 W at 226.8 V and 2.21 A), and on an unbalanced home (a 5 kW inverter or an EV charger
    on another phase) that phase says nothing about the total. A phase reported as unknown
    leaves the bound out too: part of the phases is no whole.
    """
    pairs = [(f"{p}_u", f"{p}_i") for p in "abc"]
    reported = [(u, i) for u, i in pairs if _reported(reading, u) or _reported(reading, i)]
    if not reported:
        return None
    known = [(reading.get(u), reading.get(i)) for u, i in reported]
    if any(u is None or i is None for u, i in known):
        return None
    return sum(abs(u * i) for u, i in known if u is not None and i is not None)


def _reported(reading: Reading, key: str) -> bool:
    return key in reading.values or key in reading.unknown


def power_factor(reading: Reading) -> float:
    """|pf| when it is a usable fraction, else 1 (a meter without it)."""
    pf = reading.get("power_factor")
    return abs(pf) if pf is not None and 0 < abs(pf) <= 1 else 1.0


def decide_unit(reading: Reading, meter: MeterType, forced: str) -> tuple[str, str]:
    """The unit of this reading's `active_power` ("W" or "kW") and why, in words."""
    if meter.unit != AUTO:
        return meter.unit, f"the {meter.name} reports {meter.unit}"
    if forced != AUTO:
        unit = "kW" if forced.lower() == "kw" else "W"
        return unit, f"GRID_METER_POWER_UNIT={unit}"
    power, va = reading.get(POWER_FIELD), apparent_power_va(reading)
    if power is None or va is None or va < MIN_VA_TO_DECIDE:
        return "W", "no phase voltages and currents to tell: W, the unit of today's service"
    expected = va * power_factor(reading)

    def mismatch(watts: float) -> float:
        return abs(math.log((watts + 50) / (expected + 50)))

    unit = "kW" if mismatch(abs(power) * 1000) < mismatch(abs(power)) else "W"
    return unit, (
        f"|active_power| {abs(power):g} read as {unit} agrees with Σ V·I·|pf| = {expected:.0f} W"
    )


def export_kw(reading: Reading, meter: MeterType, unit: str) -> float | None:
    """The meter's power in kW, positive = export, as the meter is mounted."""
    power = reading.get(POWER_FIELD)
    if power is None:
        return None
    kw = power / 1000 if unit == "W" else power
    return -kw if meter.plus_is_import else kw


def beyond_own_va(reading: Reading, watts: float) -> float | None:
    """The meter's (or inverter's) own V·I when |watts| is far beyond it, else None."""
    va = apparent_power_va(reading)
    if va is None or abs(watts) <= VA_FACTOR * va + VA_SLACK_W:
        return None
    return va
