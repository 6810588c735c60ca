"""The run-to-run checks: this run's readings against what the last run kept. One entry point,
`account_since`, so the poll calls one thing and a new check across runs has one place to go.

A reading that is implausible on its own (a power no home moves, a state of charge of 130 %) is
plausibility.py's. The checks here need the last run, through what it kept in the state (its
watch records; each module says what it keeps and why):
- a meter's lifetime counters ran backwards or grew too fast: grid.py (applied while it picks
  the meter, against `meter_watch`'s last sample), the counter left out;
- the energy counters (today's yield, charge, lifetime totals) ran backwards, grew too fast or
  restarted at the wrong hour: energy_counters.py (applied by energy.py, against
  `energy_watch`), the counter left out;
- the meter's power sign disagrees with its own counters: meter_direction.py (`meter_watch`);
- consumption stays negative, a meter mounted backwards: consumption_check.py (`negative_runs`).
The first two leave a reading out (named in `Accounting.dropped`); the last two only warn
(`sign_warnings`), nothing is flipped. Pure: no I/O.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fusioncharge.accounting import consumption_check, meter_direction
from fusioncharge.accounting.site_meters import account
from fusioncharge.accounting.types import Accounting, AccountingOptions, SitePlant
from fusioncharge.models import EnergyWatch, MeterWatch, Reading


class WatchRecords(Protocol):
    """What the run-to-run checks keep between runs: the State's three fields of that name."""

    meter_watch: MeterWatch | None  # meter_direction's last sample and streak
    energy_watch: EnergyWatch | None  # the energy counters' last good sums
    negative_runs: int | None  # runs in a row with negative consumption


@dataclass(frozen=True)
class Watches:
    """The watch records for the next run (a WatchRecords of its own)."""

    meter_watch: MeterWatch | None = None
    energy_watch: EnergyWatch | None = None
    negative_runs: int | None = None

    def keep_in(self, records: WatchRecords) -> None:
        """Hand them to what the next run reads them from (the run's State)."""
        records.meter_watch = self.meter_watch
        records.energy_watch = self.energy_watch
        records.negative_runs = self.negative_runs


@dataclass(frozen=True)
class Checked:
    """This run's accounting, what the next run checks against, and the warnings about the
    meter's sign (a WARNING each; the run's result flags them)."""

    accounting: Accounting
    watches: Watches
    sign_warnings: tuple[str, ...] = ()


def account_since(
    last: WatchRecords,
    readings: Iterable[Reading],
    options: AccountingOptions,
    plants: Sequence[SitePlant] = (),
    now: float | None = None,
) -> Checked:
    """The site meters of these readings, checked against what the last run kept (`last`:
    the run's State, or Watches). `plants` and `now` as site_meters.account takes them."""
    previous = meter_direction.previous(last.meter_watch)
    accounting = account(readings, options, previous, plants, now, last.energy_watch)
    meter_watch, suspect = meter_direction.check(last.meter_watch, accounting.meter)
    negative_runs, negative = consumption_check.check(last.negative_runs, accounting.meters)
    return Checked(
        accounting,
        Watches(meter_watch, accounting.energy_watch, negative_runs),
        tuple(w for w in (suspect, negative) if w is not None),
    )
