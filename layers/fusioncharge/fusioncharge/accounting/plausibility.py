"""Is this reading a measurement? Each check answers None (plausible) or why it is not.

A reading that fails is unknown: never clamped into a number, never sent. Pure: no I/O.
Limits are far from anything real, so a true reading is never refused:
- no device of a home (or a small business) moves 1 MW; the grid meters' overflow sentinel
  (about -65,000,000 W, a 16-bit overflow times 1000) is far beyond it;
- no device delivers more than three times its own V·I (apparent power) plus slack;
- no battery moves more than 1.5 times its rated power (a rated power below 100 is firmware
  that says kW, not W); one without a rated power no more than its size allows
  (`battery_limit_kw`: 1.5 x its kWh, or what the site's inverters and capacity allow, at
  least 10 kW), never 1 MW;
- a state of charge is a percentage, 0-100;
- a lifetime counter is not negative, not above 10 GWh, does not run backwards, and grows no
  faster than 1 MW would fill it;
- production stays within the site's size with margin, and so does export: the inverters' own
  rated power (their models), or PLANT_CAPACITY_KWP when larger; the plant list's capacity only
  when neither is known (site_bounds.py: a capacity missing, 0, in MWp or lagging is named);
  import is never bounded by it (an EV charging at night, a commercial site: far above the
  plant's capacity is normal);
- the readings' server time (tsms) lies within a day of the run's clock.
"""

from fusioncharge.accounting.meters import beyond_own_va
from fusioncharge.models import Reading

MAX_DEVICE_KW = 1000.0
RATED_IN_KW_BELOW = 100.0  # max_charge_power 5 is 5 kW: no battery is rated below 100 W
BATTERY_PER_KWH, BATTERY_FLOOR_KW = 1.5, 10.0  # without a rated power (battery_limit_kw)
COUNTER_GROWTH_SLACK_KWH = 1.0
# Production beyond 1.5 x kWp + 1 kW is no measurement (DC panels rarely exceed AC output);
# export also carries an AC-coupled battery's share, hence its wider margin.
PRODUCTION_PER_KWP, PRODUCTION_SLACK_KW = 1.5, 1.0
EXPORT_PER_KWP, EXPORT_SLACK_KW = 2.0, 5.0
MAX_CLOCK_GAP_S = 86400.0
MAX_COUNTER_KWH = 1e7
COUNTER_SLACK_KWH = 0.01  # rounding of the counters


def power_problem(reading: Reading, kw: float, limit_kw: float | None = None) -> str | None:
    """Why this power (kW) cannot be a measurement of this device, or None. `limit_kw`: a
    battery's bound when it gives no rated power (battery_limit_kw)."""
    beyond = beyond_any_device(kw)
    if beyond is not None:
        return beyond
    va = beyond_own_va(reading, kw * 1000)
    if va is not None:
        return f"far beyond the device's own V·I of {va:.0f} VA"
    rated = max(
        (reading.get(k) or 0.0 for k in ("max_charge_power", "max_discharge_power")), default=0
    )
    if 0 < rated < RATED_IN_KW_BELOW:
        rated *= 1000  # firmware that gives its maximum in kW
    if rated > 0 and abs(kw * 1000) > 1.5 * rated + 100:
        return f"far beyond the battery's rated {rated:.0f} W"
    if rated <= 0 and limit_kw is not None and abs(kw) > limit_kw:
        return f"far beyond what this site's battery can move ({limit_kw:g} kW; no rated power)"
    return None


def battery_limit_kw(capacity_kwh: float | None, site_kw: float | None) -> float:
    """What a battery that gives no rated power may move: 1.5 x its kWh (a home battery moves
    at most about 1 C), or what the site's size allows, whichever is more; at least 10 kW."""
    found = [BATTERY_FLOOR_KW]
    if capacity_kwh is not None:
        found.append(BATTERY_PER_KWH * capacity_kwh)
    if site_kw is not None:
        found.append(EXPORT_PER_KWP * site_kw + EXPORT_SLACK_KW)
    return max(found)


def beyond_any_device(kw: float) -> str | None:
    if abs(kw) > MAX_DEVICE_KW:
        return f"beyond any home connection ({MAX_DEVICE_KW:g} kW)"
    return None


def soc_problem(percent: float) -> str | None:
    if 0 <= percent <= 100:
        return None
    return "a state of charge is a percentage from 0 to 100"


def counter_problem(kwh: float, before: float | None, hours: float | None = None) -> str | None:
    """Why a lifetime energy counter is not usable, or None; `before` is last run's value,
    `hours` the time since it (None: unknown)."""
    if kwh < 0:
        return "a lifetime counter cannot be negative"
    if kwh > MAX_COUNTER_KWH:
        return f"above {MAX_COUNTER_KWH:g} kWh, no home meter's lifetime"
    if before is not None and kwh < before - COUNTER_SLACK_KWH:
        return f"ran backwards from {before:g} kWh"
    if before is not None and hours is not None and hours >= 0:
        most = MAX_DEVICE_KW * max(hours, 1 / 12) + COUNTER_GROWTH_SLACK_KWH
        if kwh - before > most:
            return f"grew {kwh - before:g} kWh from {before:g} in {hours * 60:.0f} minutes"
    return None


def production_problem(kw: float, capacity_kwp: float | None, what: str = "") -> str | None:
    """Why this production cannot come from a plant of this size, or None."""
    if capacity_kwp is None or kw <= PRODUCTION_PER_KWP * capacity_kwp + PRODUCTION_SLACK_KW:
        return None
    return f"far beyond the plant's capacity of {capacity_kwp:g} kWp{what}"


def export_problem(export_kw: float, capacity_kwp: float | None, discharge_kw: float) -> str | None:
    """Why this export cannot leave a plant of this capacity, or None (import: never)."""
    if capacity_kwp is None:
        return None
    most = EXPORT_PER_KWP * capacity_kwp + EXPORT_SLACK_KW + max(0.0, discharge_kw)
    if export_kw <= most:
        return None
    return f"an export far beyond what a plant of {capacity_kwp:g} kWp can give"


def time_problem(time_ms: int, now: float | None) -> str | None:
    """Why this server time (ms) is not the readings' time, or None."""
    if now is None or abs(time_ms / 1000 - now) <= MAX_CLOCK_GAP_S:
        return None
    return "more than a day away from this run's clock"
