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
- production stays within the site's size with margin (1.5 x kWp + 1 kW: cloud edges lift
  the panels' output briefly to about 1.3-1.5 x their rating), and so does export (2 x kWp +
  5 kW: an AC-coupled battery's share too). The size (site_bounds.site_size) is confirmed when
  it is the inverters' own rated power (their models: no inverter gives much more, Huawei's
  allow 1.1 x for apparent power) or PLANT_CAPACITY_KWP (the user's word): then these bounds are
  tight. The plant list's capacity alone is unconfirmed: real lists lag an extension (a 10 kW
  plant still listed at 1 kWp) or hold MWp (0.005 for a 5 kWp home). It bounds as if the plant
  were UNCONFIRMED_FACTOR (10) times larger, so a capacity 10 times too low never stops a real
  reading, while a 1000x error (W read as kW: a 4.2 kW yield sent as 4200) is refused as soon
  as the true power passes 1.5 % of the plant's kWp, and a 16-bit sentinel (65,535 kW) for any
  plant under 4 MWp; beyond the tight bound it is pushed and the capacity named. A listed
  capacity under SMALLEST_KWP (1 kWp: the smallest SUN2000, the 2KTL-L1, is 2 kW, and no one
  pairs it with half a kilowatt of panels) is a unit mix-up (MWp): it bounds nothing and is
  named. A home site given in MWp is always under 1; a plant of 1 MWp or more listed in MWp is
  beyond a home and sets PLANT_CAPACITY_KWP. Import is never bounded by the size (an EV
  charging at night, a commercial site: far above the plant's capacity is normal);
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
UNCONFIRMED_FACTOR = 10.0  # the plant list's capacity alone: lagging 10x still bounds loosely
SMALLEST_KWP = 1.0  # a listed capacity below: MWp, not kWp (the smallest SUN2000 is 2 kW)
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
    rated = rated_w(reading)
    if rated > 0 and abs(kw * 1000) > 1.5 * rated + 100:
        return f"far beyond the battery's rated {rated:.0f} W"
    if rated <= 0 and limit_kw is not None and abs(kw) > limit_kw:
        return f"far beyond what this site's battery can move ({limit_kw:g} kW; no rated power)"
    return None


def rated_w(reading: Reading) -> float:
    """A battery's larger rated power (charge or discharge) in W; 0 when it gives none."""
    rated = max(
        (reading.get(k) or 0.0 for k in ("max_charge_power", "max_discharge_power")), default=0
    )
    if 0 < rated < RATED_IN_KW_BELOW:
        rated *= 1000  # firmware that gives its maximum in kW
    return rated


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


def production_limit_kw(capacity_kwp: float, confirmed: bool = True) -> float:
    """The most a plant of this capacity produces (kW); an unconfirmed capacity (the plant
    list's alone) as if the plant were UNCONFIRMED_FACTOR times larger."""
    return PRODUCTION_PER_KWP * _bounding(capacity_kwp, confirmed) + PRODUCTION_SLACK_KW


def production_problem(
    kw: float, capacity_kwp: float | None, what: str = "", confirmed: bool = True
) -> str | None:
    """Why this production cannot come from a plant of this size, or None."""
    if capacity_kwp is None or kw <= production_limit_kw(capacity_kwp, confirmed):
        return None
    return f"far beyond the plant's capacity of {capacity_kwp:g} kWp{what}{_even(confirmed)}"


def export_problem(
    export_kw: float, capacity_kwp: float | None, discharge_kw: float, confirmed: bool = True
) -> str | None:
    """Why this export cannot leave a plant of this capacity, or None (import: never)."""
    if capacity_kwp is None:
        return None
    size = _bounding(capacity_kwp, confirmed)
    most = EXPORT_PER_KWP * size + EXPORT_SLACK_KW + max(0.0, discharge_kw)
    if export_kw <= most:
        return None
    return f"an export far beyond what a plant of {capacity_kwp:g} kWp can give{_even(confirmed)}"


def _bounding(capacity_kwp: float, confirmed: bool) -> float:
    return capacity_kwp if confirmed else UNCONFIRMED_FACTOR * capacity_kwp


def _even(confirmed: bool) -> str:
    return "" if confirmed else f" (even were it {UNCONFIRMED_FACTOR:g} times larger)"


def time_problem(time_ms: int, now: float | None) -> str | None:
    """Why this server time (ms) is not the readings' time, or None."""
    if now is None or abs(time_ms / 1000 - now) <= MAX_CLOCK_GAP_S:
        return None
    return "more than a day away from this run's clock"
