"""A device list that leaves out a type the cached one has is not believed at once.

FusionSolar's getDevList has been seen to answer without a device that is still there (the
battery, even the inverter). Believed at once, that list would make every run for 6 hours fail
(no inverter) or count a battery's discharge as solar (no battery). So a type the cached list
has and a new list lacks is kept from the cache until a second list agrees that it is gone.
Pure: no I/O.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from fusioncharge.models import Device


@dataclass(frozen=True)
class Believed:
    devices: list[Device]  # the list to keep: the new one, plus the doubted types
    doubted: list[int] | None  # the types a next list must confirm gone (None: none)
    kept_ids: list[int]  # the devices kept from the cache


def believe(
    cached: Iterable[Device] | None,
    fetched: list[Device],
    doubted_before: Iterable[int] | None,
) -> Believed:
    """The device list to keep when `fetched` has just come in."""
    cached = list(cached or ())
    have = {d.type_id for d in fetched}
    lost = {d.type_id for d in cached} - have
    doubted = sorted(lost - set(doubted_before or ()))  # lost again after a doubt: gone
    kept = [d for d in cached if d.type_id in doubted]
    return Believed(fetched + kept, doubted or None, [d.id for d in kept])
