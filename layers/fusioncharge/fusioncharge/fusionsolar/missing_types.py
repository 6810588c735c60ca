"""Missing types: a device list that lacks a type the cached one has is not trusted at once.

FusionSolar's getDevList has been seen to answer without a device that is still there (the
battery, even the inverter). Trusted at once, that list would make every run for 6 hours fail
(no inverter) or count a battery's discharge as solar (no battery). So a type the cached list
has and a new list lacks (a missing type) is kept from the cache until a second list agrees
that it is gone; the state remembers the missing types meanwhile (State.missing_types).
Pure: no I/O.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from fusioncharge.models import Device


@dataclass(frozen=True)
class WithMissing:
    devices: list[Device]  # the list to keep: the new one, plus the missing types' devices
    missing: list[int] | None  # the types a next list must confirm gone (None: none)
    kept_ids: list[int]  # the devices kept from the cache


def keep_missing(
    cached: Iterable[Device] | None,
    fetched: list[Device],
    missing_before: Iterable[int] | None,
) -> WithMissing:
    """The device list to keep when `fetched` has just come in."""
    cached = list(cached or ())
    have = {d.type_id for d in fetched}
    lost = {d.type_id for d in cached} - have
    missing = sorted(lost - set(missing_before or ()))  # missing again: confirmed gone
    kept = [d for d in cached if d.type_id in missing]
    return WithMissing(fetched + kept, missing or None, [d.id for d in kept])
