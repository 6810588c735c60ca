"""A state too big for its store is salvaged, not refused: what only saves calls is dropped.

A state that loads but cannot be saved would fail every run forever (a 3.9 KB plant name from
FusionSolar; deleting the parameter does not help, the next lookup brings the name back). So
before a save that would not fit, the parts that are caches or labels go, least needed first,
and the lockout guard, the token and the reading times stay: the plant names (they only label
messages), the clock estimate, the meter watch, the energy counters' last sums, the device
list (fetched again), and last the plant lookup (looked up again). Each costs at most a call
or a less precise message.
"""

import copy

from fusioncharge.state import State

# (what the log says, the fields dropped together), least needed first
DROPPABLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("plant names", ("plant_name",)),
    ("FusionSolar clock estimate", ("server_leads",)),
    ("meter watch", ("meter_watch",)),
    ("energy counters", ("energy_watch",)),
    ("device list", ("devices", "devices_fetched_at", "unserved_types", "devices_asked_at")),
    ("plant lookup", ("plant_code", "plant_for_station", "plant_checked_at")),
)


def fitted(state: State, limit: int) -> tuple[State, list[str]]:
    """A copy of `state` whose JSON fits `limit` bytes, and what was dropped for it (none when
    it fitted). The guard, token and reading times are never dropped."""
    kept, dropped = state, []
    for what, fields in DROPPABLE:
        if size(kept) <= limit:
            break
        kept = copy.deepcopy(kept) if kept is state else kept
        for name in fields:
            setattr(kept, name, None)
        dropped.append(what)
    return kept, dropped


def size(state: State) -> int:
    return len(state.to_json().encode())
