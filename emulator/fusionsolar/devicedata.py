"""Real-time data items (getDevRealKpi `dataItemMap`) of emulated devices, from the plant's day.

Field names, units and quirks follow Huawei's tables and the captured responses: inverter power
in kW, battery power in W, a standby inverter at night that reports its power as "N/A", null or
0 depending on the slot, and numbers with the real services' precision. Meters follow the
emulator's own table (devicetypes.py) as the service of 2026 serves them: power sensor and
grid meter in W with + = export, the EMMA in kW with + = import and its counters swapped.
"""

from typing import Any

from emulator.fusionsolar.daycurve import BATTERY_MAX_KW, PlantState, unit_noise
from emulator.fusionsolar.devicetypes import (
    BATTERY,
    EMMA,
    GRID_METER,
    INVERTER_TYPES,
    KPI_TYPES,
    POWER_SENSOR,
    SERVED_METER_BY_TYPE,
    ServedMeter,
)

__all__ = ["KPI_TYPES", "data_item_map", "station_item_map"]
OVERFLOW_SENTINEL_W = -65_230_000.0  # what grid meters occasionally report (16-bit overflow)
GRID_CONNECTED, STANDBY = 512, 40960


def data_item_map(type_id: int, state: PlantState, share: float = 1.0) -> dict[str, Any]:
    """The dataItemMap of a device of this type; `share` splits plant power among same devices."""
    if type_id in INVERTER_TYPES:
        return _inverter(state, share)
    if type_id == POWER_SENSOR:
        return _power_sensor(state)
    if type_id in (GRID_METER, EMMA):
        return _three_phase_meter(state, SERVED_METER_BY_TYPE[type_id])
    if type_id == BATTERY:
        return _battery(state, share)
    return {}  # dongles, optimizers...: present but without real-time data, as observed


def _standby_power(state: PlantState) -> Any:
    """A standby inverter's active_power: the real service mixes "N/A", null and 0."""
    roll = unit_noise("standby", state.slot)
    return "N/A" if roll < 0.4 else (None if roll < 0.6 else 0.0)


def _inverter(state: PlantState, share: float) -> dict[str, Any]:
    producing = state.producing
    ac = round(state.inverter_ac_kw * share, 3)
    pv = round(state.pv_kw * share, 3)
    volts = 230.0 + round(4 * unit_noise("volt", state.slot) - 2, 1)
    amps = round(ac * 1000 / 3 / volts, 3) if producing else 0.0
    return {
        "inverter_state": float(GRID_CONNECTED if producing else STANDBY),
        "active_power": ac if producing else _standby_power(state),
        "mppt_power": pv,
        "reactive_power": 0.0,
        "power_factor": 1.0 if producing else "N/A",
        "efficiency": 98.3 if producing else 0.0,
        "temperature": round(25.0 + 4 * ac, 1),
        "elec_freq": 50.0 if producing else "N/A",
        "a_u": volts,
        "b_u": volts,
        "c_u": volts,
        "a_i": amps,
        "b_i": amps,
        "c_i": amps,
        # AC yield: a hybrid's battery sits on its DC side (what it took is not yield, what
        # it gave back is), so PV today = day_cap + charge_cap - discharge_cap, as on a real plant
        "day_cap": round(state.inverter_day_kwh * share, 2),
        "total_cap": round(state.total_yield_kwh * share, 2),
        "mppt_total_cap": round(state.total_yield_kwh * share * 1.02, 2),
        "run_state": 1,
        "open_time": 1665642954000,
        "close_time": "N/A",
    }


def _signed_power(state: PlantState, meter: ServedMeter) -> float:
    """The grid power as this meter serves it: its unit, its sign."""
    kw = -state.grid_export_kw if meter.plus_is_import else state.grid_export_kw
    return round(kw, 3) if meter.unit == "kW" else round(kw * 1000)


def _power_sensor(state: PlantState) -> dict[str, Any]:
    meter = SERVED_METER_BY_TYPE[POWER_SENSOR]
    return {
        meter.export_counter: round(state.export_total_kwh, 2),
        meter.import_counter: round(state.import_total_kwh, 2),
        **({meter.online_key: 1} if meter.online_key else {}),
        "active_power": _signed_power(state, meter),
        "run_state": 1,
        "meter_u": 230.1,
        "meter_i": round(abs(state.grid_export_kw) * 1000 / 230.1, 2),
        "grid_frequency": 50.0,
        "power_factor": 0.98,
        "reactive_power": 120,
    }


def _three_phase_meter(state: PlantState, meter: ServedMeter) -> dict[str, Any]:
    """A grid meter (W, today's unit) or an EMMA (kW), read and signed as its table row says."""
    power = _signed_power(state, meter)
    volts = (231.4, 229.8, 230.6)
    pf = 0.98
    amps = round(abs(state.grid_export_kw) * 1000 / pf / sum(volts), 2)
    phases = {f"{p}_u": v for p, v in zip("abc", volts, strict=True)}
    phases |= {f"{p}_i": amps for p in "abc"}
    return {
        meter.export_counter: round(state.export_total_kwh, 2),
        meter.import_counter: round(state.import_total_kwh, 2),
        "active_power": power,
        **phases,
        "power_factor": pf,
        "reactive_power": 0.12 if meter.unit == "kW" else 120,
        "run_state": 1,
        **({"meter_status": 1, "grid_frequency": 50.0} if meter.unit != "kW" else {}),
    }


def _battery(state: PlantState, share: float) -> dict[str, Any]:
    return {
        "battery_status": 2,
        "battery_soc": round(state.soc),
        "ch_discharge_power": round(state.battery_kw * share * 1000),
        "charge_cap": round(state.charge_today_kwh * share, 2),
        "discharge_cap": round(state.discharge_today_kwh * share, 2),
        "max_charge_power": round(BATTERY_MAX_KW * share * 1000),
        "max_discharge_power": round(BATTERY_MAX_KW * share * 1000),
        "busbar_u": 782.7,
        "battery_soh": 0,
        "ch_discharge_model": 4,
        "run_state": 1,
    }


def station_item_map(state: PlantState) -> dict[str, Any]:
    """getStationRealKpi's dataItemMap for a plant."""
    return {
        "day_power": round(state.day_yield_kwh, 2),
        "month_power": round(state.day_yield_kwh + 20 * 30.0, 2),
        "total_power": round(state.total_yield_kwh, 2),
        "day_income": round(state.day_yield_kwh * 0.12, 3),
        "total_income": round(state.total_yield_kwh * 0.12, 3),
        "real_health_state": 3,
    }
