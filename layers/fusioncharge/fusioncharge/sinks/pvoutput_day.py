"""PVOutput's daily energies (v1 generated, v3 consumed, Wh today), from the 5-minute powers.

FusionSolar gives no "consumed today", so the sink adds up each interval between two readings
(the mean of the powers at its ends, times its length) into today's tally, in the plant's local
day: an interval that spans local midnight counts only its part after midnight, so the tally
restarts at 0 at midnight. Nothing is made up: a day that did not start with readings (a new
install at noon), a gap longer than MAX_GAP_SECONDS, or an unknown consumption leaves that
day's tally unknown (None, not sent) until the next midnight. Pure: memory is a plain dict.
"""

from datetime import datetime, tzinfo
from typing import Any

from fusioncharge.plant_time import local_time

MAX_GAP_SECONDS = 30 * 60  # a longer gap between readings: today's energy is not known


def day_of(at: float, zone: tzinfo) -> str:
    return local_time(at, zone).strftime("%Y%m%d")


def advance(
    memory: dict[str, Any],
    at: float,
    production_kw: float,
    consumption_kw: float | None,
    zone: tzinfo,
) -> tuple[float | None, float | None]:
    """Add the interval since the last reading; return today's (generated, consumed) Wh."""
    today = day_of(at, zone)
    last_at, last_p, last_c = memory.get("at"), memory.get("p"), memory.get("c")
    follows = isinstance(last_at, int | float) and 0 < at - last_at <= MAX_GAP_SECONDS
    if memory.get("day") == today:
        gen, use = memory.get("gen_wh"), memory.get("use_wh")
    else:
        gen, use = 0.0, 0.0  # a new local day starts at 0 (if the last reading was just before)
    if follows and isinstance(last_at, int | float):
        hours = (at - max(last_at, _midnight(at, zone))) / 3600
        gen = _add(gen, last_p, production_kw, hours)
        use = _add(use, last_c, consumption_kw, hours)
    else:
        gen = use = None  # a gap, a first reading, or a clock that went back: unknown today
    # Kept small (the state's SSM parameter holds 4 KB): 0.1 s, 1 W and 0.01 Wh are plenty.
    memory.update(
        day=today,
        at=round(at, 1),
        p=production_kw,
        c=consumption_kw,
        gen_wh=None if gen is None else round(gen, 2),
        use_wh=None if use is None else round(use, 2),
    )
    return _rounded(gen), _rounded(use)


def _rounded(wh: float | None) -> float | None:
    return None if wh is None else round(wh, 1)


def _add(total: Any, before: Any, now: float | None, hours: float) -> float | None:
    if not isinstance(total, int | float) or not isinstance(before, int | float) or now is None:
        return None
    if before < 0 or now < 0:
        return None  # a negative power is not energy consumed or generated: unknown
    return total + (before + now) / 2 * 1000 * hours


def _midnight(at: float, zone: tzinfo) -> float:
    local = local_time(at, zone)
    return datetime(local.year, local.month, local.day, tzinfo=zone).timestamp()
