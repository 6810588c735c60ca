"""Negative consumption: the sign of the meter that the direction self-check cannot see.

A current clamp mounted backwards (or METER_EXPORT_POSITIVE the wrong way) reverses the meter's
power and its counters together, so they agree and meter_direction.py has nothing to notice;
but consumption = production + net import + battery then goes negative whenever the home
imports. A home cannot consume less than nothing: below -0.1 kW for 3 runs in a row, a warning
names the likely causes. Nothing is changed. Pure: no I/O; the state keeps the count.
"""

from fusioncharge.accounting.types import NoSiteMeters, SiteMeters

NEGATIVE_KW = -0.1  # rounding and meter lag stay above this
RUNS_TO_WARN = 3


def check(runs: int | None, meters: SiteMeters | NoSiteMeters) -> tuple[int | None, str | None]:
    """The count of runs in a row with negative consumption to keep, and a warning once it has
    lasted; a run without consumption keeps the count."""
    consumption = meters.consumption_kw if isinstance(meters, SiteMeters) else None
    if consumption is None:
        return runs, None
    if consumption >= NEGATIVE_KW:
        return None, None
    count = (runs or 0) + 1
    if count < RUNS_TO_WARN:
        return count, None
    return count, (
        f"consumption has been negative ({consumption:g} kW now) for {count} runs in a row: "
        "the grid meter probably reads the wrong way round (a current clamp mounted "
        "backwards, or METER_EXPORT_POSITIVE set the wrong way); check the meter's direction "
        "in the FusionSolar app. Nothing was flipped"
    )
