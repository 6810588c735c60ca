"""The device list as the state keeps it: grouped by plant and shared fields, ids only.

100 named devices would not fit SSM's 4 KB; grouped, without names, they do.
"""

import json
from typing import Any

from fusioncharge.errors import StateError

DEVICE_IDS = "i"  # in a device group: the ids of the devices sharing the group's fields


def in_state_order(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Devices in the order the state gives them back: by plant, the other fields they share,
    then id."""
    return sorted(devices, key=lambda d: (*_group_key(d), d.get("id")))


def _group_key(device: dict[str, Any]) -> tuple[str, str]:
    """(plant, the other fields but id and name, as JSON): devices alike share a group."""
    rest = {k: v for k, v in device.items() if k not in ("id", "n", "p")}
    return str(device.get("p")), json.dumps(rest, sort_keys=True)


def pack_devices(devices: Any) -> Any:
    """[{"id": 1, "n": "Inv", "t": 38, "p": "NE=1"}, ...] -> {"NE=1": [{"t": 38, "i": [1, ...]},
    ...], ...}: per plant, one group per set of shared fields, in the order first seen. Names
    are left out (only ids and types are needed): 100 named devices would not fit 4 KB."""
    ours = isinstance(devices, list) and all(
        isinstance(d, dict) and isinstance(d.get("p"), str) for d in devices
    )
    if not ours:
        return devices  # stored as it is, refused when read back
    plants: dict[str, dict[str, dict[str, Any]]] = {}
    for device in devices:
        plant, rest = _group_key(device)
        shared = {k: v for k, v in device.items() if k not in ("id", "n", "p")}
        group = plants.setdefault(plant, {}).setdefault(rest, {**shared, DEVICE_IDS: []})
        group[DEVICE_IDS].append(device.get("id"))
    return {plant: list(groups.values()) for plant, groups in plants.items()}


def unpack_devices(plants: Any) -> list[dict[str, Any]]:
    """The device dicts (names empty) of stored groups, plants in sorted order (as JSON keeps
    them); StateError when they are not ours."""
    ok = isinstance(plants, dict) and all(
        isinstance(groups, list)
        and all(isinstance(g, dict) and isinstance(g.get(DEVICE_IDS), list) for g in groups)
        for groups in plants.values()
    )
    if not ok:
        raise StateError("stored state has a device list of the wrong shape")
    return [
        {"id": i, "n": "", "p": plant, **{k: v for k, v in g.items() if k != DEVICE_IDS}}
        for plant in sorted(plants)
        for g in plants[plant]
        for i in g[DEVICE_IDS]
    ]
