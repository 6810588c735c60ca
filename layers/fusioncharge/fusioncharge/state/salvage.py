"""A state too big for its store is salvaged, not refused: what only saves calls is dropped.

A state that loads but cannot be saved would fail every run forever (a 3.9 KB plant name from
FusionSolar; deleting the parameter does not help, the next lookup brings the name back). So
before a save that would not fit, the parts that are caches or labels go, least needed first
(each field's part and rank: state/fields.py), and the lockout guard, the token and the reading
times stay: the plant names (they only label messages), the clock estimate, the meter watch,
the energy counters' last sums, the device list (fetched again), and last the plant lookup
(looked up again). Each costs at most a call or a less precise message.
"""

import copy

from fusioncharge.state import State
from fusioncharge.state.fields import DROPPED_FIRST_TO_LAST, FIELDS, Drop


def droppable() -> list[tuple[Drop, tuple[str, ...]]]:
    """Each part salvage may drop, with its fields, least needed first."""
    parts: dict[Drop, tuple[str, ...]] = {}
    for f in FIELDS:
        if f.drop is not None:
            parts[f.drop] = (*parts.get(f.drop, ()), f.name)
    return sorted(parts.items(), key=lambda part: DROPPED_FIRST_TO_LAST.index(part[0]))


def fitted(state: State, limit: int) -> tuple[State, list[str]]:
    """A copy of `state` whose JSON fits `limit` bytes, and what was dropped for it (none when
    it fitted). The guard, token and reading times are never dropped."""
    kept, dropped = state, []
    for part, names in droppable():
        if size(kept) <= limit:
            break
        kept = copy.deepcopy(kept) if kept is state else kept
        for name in names:
            setattr(kept, name, None)
        dropped.append(part.what)
    return kept, dropped


def size(state: State) -> int:
    return len(state.to_json().encode())
