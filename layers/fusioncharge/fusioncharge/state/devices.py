"""How the state stores a device list: grouped by plant and the fields the devices share, no
names, a large group's ids as the first in full and then each one's step from the one before
(a plant's devices have ids close together), so hundreds of read devices fit SSM's 4 KB. Also
the shape checks every stored value shares. Pure: no I/O.
"""

import json
import math
from itertools import pairwise
from typing import Any, TypeGuard

from fusioncharge.errors import StateError
from fusioncharge.models import Device

# A device group: the fields its devices share, and their ids.
TYPE, CAPACITY, RATED = "t", "c", "r"
IDS, STEPS = "i", "d"  # ids in full (as written before), or steps
STEPPED_FROM = 8  # a group of more ids is written as steps


def in_state_order(devices: list[Device]) -> list[Device]:
    """Devices in the order the state gives them back: by plant, the other fields they share,
    then id (so a list just fetched equals the same list read back)."""
    return sorted(devices, key=lambda d: (d.plant_code, _shared_key(d), d.id))


def is_number(value: Any) -> TypeGuard[int | float]:
    """A finite int or float; JSON's NaN/Infinity and booleans are not numbers here."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def require(ok: bool, what: str) -> None:
    if not ok:
        raise StateError(f"stored state has a {what} of the wrong shape")


def _shared(device: Device) -> dict[str, Any]:
    """A device's fields but its id, name and plant: what a group's devices share."""
    shared: dict[str, Any] = {TYPE: device.type_id}
    if device.capacity_kwh is not None:
        shared[CAPACITY] = device.capacity_kwh
    if device.rated_kw is not None:
        shared[RATED] = device.rated_kw  # an inverter's, from its model (accounting bounds)
    return shared


def _shared_key(device: Device) -> str:
    return json.dumps(_shared(device), sort_keys=True)


def pack(devices: list[Device]) -> dict[str, list[dict[str, Any]]]:
    """Per plant, one group per set of shared fields in the order first seen:
    {"NE=1": [{"t": 38, "i": [1, 2]}, {"t": 39, "c": 10.0, "i": [3]}], ...}."""
    plants: dict[str, dict[str, dict[str, Any]]] = {}
    for device in devices:
        groups = plants.setdefault(device.plant_code, {})
        group = groups.setdefault(_shared_key(device), {**_shared(device), IDS: []})
        group[IDS].append(device.id)
    for groups in plants.values():
        for group in groups.values():
            ids = group[IDS]
            if len(ids) > STEPPED_FROM:  # a small group stays as it was always written
                del group[IDS]
                group[STEPS] = [ids[0]] + [b - a for a, b in pairwise(ids)]
    return {plant: list(groups.values()) for plant, groups in plants.items()}


def unpack(plants: Any) -> list[Device]:
    """The devices (names empty) of stored groups, plants in sorted order (as JSON keeps them)."""
    require(isinstance(plants, dict), "device list")
    return [device for plant in sorted(plants) for device in _unpack_plant(plant, plants[plant])]


def _unpack_plant(plant: str, groups: Any) -> list[Device]:
    require(isinstance(groups, list) and all(isinstance(g, dict) for g in groups), "device list")
    devices = []
    for group in groups:
        type_id, capacity, rated = group.get(TYPE), group.get(CAPACITY), group.get(RATED)
        ids = _ids(group)
        ok = set(group) <= {TYPE, CAPACITY, RATED, IDS, STEPS} and is_int(type_id)
        ok = ok and all(v is None or is_number(v) for v in (capacity, rated))
        require(ok, "device list")
        devices += [Device(i, "", type_id, plant, capacity, rated) for i in ids]
    return devices


def _ids(group: dict[str, Any]) -> list[int]:
    """A group's ids: written in full ("i", before) or as the first and steps ("d")."""
    require((IDS in group) != (STEPS in group), "device list")
    listed = group.get(IDS, group.get(STEPS))
    if not isinstance(listed, list) or not listed or not all(map(is_int, listed)):
        raise StateError("stored state has a device list of the wrong shape")
    if IDS in group:
        return list(listed)
    ids: list[int] = [listed[0]]
    for step in listed[1:]:
        ids.append(ids[-1] + step)
    return ids
