"""Is this reading a measurement? Each check answers None (plausible) or why it is not.

A reading that fails is unknown: never clamped into a number, never sent. Pure: no I/O.
Limits are far from anything real, so a true reading is never refused:
- no device of a home (or a small business) moves 1 MW; the grid meters' overflow sentinel
  (about -65,000,000 W, a 16-bit overflow times 1000) is far beyond it;
- no device delivers more than three times its own V·I (apparent power) plus slack;
- no battery moves more than 1.5 times its rated power;
- a state of charge is a percentage, 0-100;
- a lifetime counter is not negative, not above 10 GWh, and does not run backwards.
"""

from fusioncharge.accounting.meters import beyond_own_va
from fusioncharge.models import Reading

MAX_DEVICE_KW = 1000.0
MAX_COUNTER_KWH = 1e7
COUNTER_SLACK_KWH = 0.01  # rounding of the counters


def power_problem(reading: Reading, kw: float) -> str | None:
    """Why this power (kW) cannot be a measurement of this device, or None."""
    beyond = beyond_any_device(kw)
    if beyond is not None:
        return beyond
    va = beyond_own_va(reading, kw * 1000)
    if va is not None:
        return f"far beyond the device's own V·I of {va:.0f} VA"
    rated = max(
        (reading.get(k) or 0.0 for k in ("max_charge_power", "max_discharge_power")), default=0
    )
    if rated > 0 and abs(kw * 1000) > 1.5 * rated + 100:
        return f"far beyond the battery's rated {rated:.0f} W"
    return None


def beyond_any_device(kw: float) -> str | None:
    if abs(kw) > MAX_DEVICE_KW:
        return f"beyond any home connection ({MAX_DEVICE_KW:g} kW)"
    return None


def soc_problem(percent: float) -> str | None:
    if 0 <= percent <= 100:
        return None
    return "a state of charge is a percentage from 0 to 100"


def counter_problem(kwh: float, before: float | None) -> str | None:
    """Why a lifetime energy counter is not usable, or None; `before` is last run's value."""
    if kwh < 0:
        return "a lifetime counter cannot be negative"
    if kwh > MAX_COUNTER_KWH:
        return f"above {MAX_COUNTER_KWH:g} kWh, no home meter's lifetime"
    if before is not None and kwh < before - COUNTER_SLACK_KWH:
        return f"ran backwards from {before:g} kWh"
    return None
