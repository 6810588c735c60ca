"""Readings as the parser gives them, for the promise tests of the accounting."""

from fusioncharge.models import Reading

T = 1_700_000_000_000  # ms
MIN = 60_000  # ms


def inverter(kw_: float, dev: int = 1) -> Reading:
    return Reading(dev, 1, {"active_power": kw_, "inverter_state": 512.0}, time_ms=T)


def sensor(watts: float, active_cap: float = 322.32, reverse: float = 583.08) -> Reading:
    values = {"active_power": watts, "meter_status": 1.0, "active_cap": active_cap}
    return Reading(47, 47, {**values, "reverse_active_cap": reverse}, time_ms=T)


def battery(watts: float, rated: float | None = None) -> Reading:
    values = {"ch_discharge_power": watts, "battery_soc": 50.0, "battery_status": 2.0}
    if rated is not None:
        values["max_charge_power"] = rated
    return Reading(39, 39, values, time_ms=T)
