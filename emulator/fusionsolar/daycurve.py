"""The emulated plant's day: sun, house load and a DC-coupled battery, as pure functions of time.

Everything is deterministic: the same clock time always gives the same readings, so a simulated
day of 288 polls can be replayed and compared. Powers are constant within a 5-minute slot (as
FusionSolar's real-time data is); energies and state of charge move smoothly within the slot.

Physics (see docs/fusionsolar.md): the battery sits on the inverter's DC side, so
inverter AC = PV - battery charge + battery discharge, and the meter sees
grid export = inverter AC - house load (negative = import).
"""

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache

SLOT_SECONDS = 300
SLOTS_PER_DAY = 288
SLOT_HOURS = SLOT_SECONDS / 3600
BATTERY_KWH = 10.0
BATTERY_MAX_KW = 5.0
SOC_MIN = 5.0
SOC_MAX = 100.0
SUNRISE_H, SUNSET_H = 6.0, 20.0
PEAK_PER_KWP = 0.7  # a 10 kWp roof peaks near 7 kW on a clear noon
INSTALL_DAY = 19358  # 2023-01-01: lifetime counters start here
# Lifetime counters at installation, so they look like a plant with some history.
BASE_EXPORT_KWH, BASE_IMPORT_KWH, BASE_YIELD_KWH = 322.32, 583.08, 1380.5


@dataclass(frozen=True)
class PlantParams:
    capacity_kwp: float = 10.0
    has_battery: bool = True
    utc_offset_hours: float = 0.0


@dataclass(frozen=True)
class Slot:
    """One 5-minute slot: powers (kW) held over the slot, energies (kWh) since local midnight."""

    pv_kw: float
    load_kw: float
    battery_kw: float  # positive = charging
    soc: float  # % at the slot's start
    pv_kwh: float
    export_kwh: float
    import_kwh: float
    charge_kwh: float
    discharge_kwh: float


@dataclass(frozen=True)
class PlantState:
    """What the plant's devices report at one moment."""

    time: float
    pv_kw: float
    load_kw: float
    battery_kw: float  # positive = charging
    soc: float  # %
    inverter_ac_kw: float
    grid_export_kw: float  # positive = export
    day_yield_kwh: float
    charge_today_kwh: float
    discharge_today_kwh: float
    total_yield_kwh: float
    export_total_kwh: float  # meter active_cap
    import_total_kwh: float  # meter reverse_active_cap
    slot: int  # absolute 5-minute slot number (local time), for per-slot quirks

    @property
    def inverter_day_kwh(self) -> float:
        """The inverter's AC output today: PV less battery charge plus battery discharge."""
        return self.day_yield_kwh - self.charge_today_kwh + self.discharge_today_kwh

    @property
    def producing(self) -> bool:
        return self.inverter_ac_kw > 0.001


def unit_noise(tag: str, n: int) -> float:
    """A repeatable pseudo-random number in [0, 1) for slot n (no global random state)."""
    digest = hashlib.blake2b(f"{tag}:{n}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def _gauss(h: float, centre: float, width: float) -> float:
    return math.exp(-0.5 * ((h - centre) / width) ** 2)


def solar_kw(abs_slot: int, params: PlantParams) -> float:
    """PV output: a sine-shaped clear-sky day with a little cloud noise per slot."""
    h = ((abs_slot % SLOTS_PER_DAY) + 0.5) * SLOT_HOURS
    if not SUNRISE_H < h < SUNSET_H:
        return 0.0
    clear = math.sin(math.pi * (h - SUNRISE_H) / (SUNSET_H - SUNRISE_H)) ** 1.5
    cloud = 0.88 + 0.12 * unit_noise("cloud", abs_slot)
    return float(PEAK_PER_KWP * params.capacity_kwp * clear * cloud)


def load_kw(abs_slot: int) -> float:
    """House load: 0.3-0.5 kW base, breakfast and lunch bumps, a long evening up to ~3 kW."""
    h = ((abs_slot % SLOTS_PER_DAY) + 0.5) * SLOT_HOURS
    base = 0.3 + 0.2 * unit_noise("load", abs_slot)
    peaks = 2.0 * _gauss(h, 7.25, 0.5) + 0.6 * _gauss(h, 12.5, 0.75)
    evening = 2.3 * _gauss(h, 19.0, 1.0) + 0.9 * _gauss(h, 21.5, 1.2)
    return base + peaks + evening


def _battery_kw(surplus_kw: float, soc: float) -> float:
    """Charge from surplus, discharge to cover the deficit, within power and SOC limits."""
    if surplus_kw >= 0:
        room_kw = (SOC_MAX - soc) / 100 * BATTERY_KWH / SLOT_HOURS
        return min(surplus_kw, BATTERY_MAX_KW, room_kw)
    left_kw = (soc - SOC_MIN) / 100 * BATTERY_KWH / SLOT_HOURS
    return -min(-surplus_kw, BATTERY_MAX_KW, max(0.0, left_kw))


@lru_cache(maxsize=64)
def _day(day: int, params: PlantParams, start_soc: float) -> tuple[Slot, ...]:
    """The 288 slots of one local day, plus a closing slot holding the day's totals."""
    slots: list[Slot] = []
    soc, pv_e, exp_e, imp_e, ch_e, dis_e = start_soc, 0.0, 0.0, 0.0, 0.0, 0.0
    for i in range(SLOTS_PER_DAY):
        n = day * SLOTS_PER_DAY + i
        pv, load = solar_kw(n, params), load_kw(n)
        batt = _battery_kw(pv - load, soc) if params.has_battery else 0.0
        slots.append(Slot(pv, load, batt, soc, pv_e, exp_e, imp_e, ch_e, dis_e))
        grid = pv - batt - load
        soc = min(SOC_MAX, max(SOC_MIN, soc + batt * SLOT_HOURS / BATTERY_KWH * 100))
        pv_e += pv * SLOT_HOURS
        exp_e += max(grid, 0.0) * SLOT_HOURS
        imp_e += max(-grid, 0.0) * SLOT_HOURS
        ch_e += max(batt, 0.0) * SLOT_HOURS
        dis_e += max(-batt, 0.0) * SLOT_HOURS
    slots.append(Slot(0.0, 0.0, 0.0, soc, pv_e, exp_e, imp_e, ch_e, dis_e))
    return tuple(slots)


@lru_cache(maxsize=64)
def _start_soc(day: int, params: PlantParams) -> float:
    """SOC at local midnight: the end of the day before, warmed up from a half-full battery."""
    if not params.has_battery:
        return 0.0
    return _day(day - 1, params, 50.0)[-1].soc


def _lifetime(day: int, today: float, today_total: float, nominal: float, base: float) -> float:
    """A lifetime counter that grows by `nominal` a day, shaped like today's actual flow.

    Scaling today's energy to a fixed daily amount keeps the counter monotonic across midnight
    while still being a pure function of the clock.
    """
    days = max(0, day - INSTALL_DAY)
    fraction = today / today_total if today_total > 0 else 0.0
    return base + (days + fraction) * nominal


def plant_state(t: float, params: PlantParams = PlantParams()) -> PlantState:
    """The plant at clock time t (epoch seconds, UTC; local solar time = UTC + offset)."""
    local = t + params.utc_offset_hours * 3600
    day, second = divmod(local, 86400)
    day = int(day)
    index = min(int(second // SLOT_SECONDS), SLOTS_PER_DAY - 1)
    slots = _day(day, params, _start_soc(day, params))
    s, totals = slots[index], slots[-1]
    nominal = _day(INSTALL_DAY, params, _start_soc(INSTALL_DAY, params))[-1]
    hours = (second - index * SLOT_SECONDS) / 3600  # into the slot
    grid = s.pv_kw - s.battery_kw - s.load_kw
    pv_e = s.pv_kwh + s.pv_kw * hours
    exp_e = s.export_kwh + max(grid, 0.0) * hours
    imp_e = s.import_kwh + max(-grid, 0.0) * hours
    soc = s.soc + s.battery_kw * hours / BATTERY_KWH * 100 if params.has_battery else 0.0
    return PlantState(
        time=t,
        pv_kw=s.pv_kw,
        load_kw=s.load_kw,
        battery_kw=s.battery_kw,
        soc=min(SOC_MAX, max(SOC_MIN, soc)) if params.has_battery else 0.0,
        inverter_ac_kw=s.pv_kw - s.battery_kw,
        grid_export_kw=grid,
        day_yield_kwh=pv_e,
        charge_today_kwh=s.charge_kwh + max(s.battery_kw, 0.0) * hours,
        discharge_today_kwh=s.discharge_kwh + max(-s.battery_kw, 0.0) * hours,
        total_yield_kwh=_lifetime(day, pv_e, totals.pv_kwh, nominal.pv_kwh, BASE_YIELD_KWH),
        export_total_kwh=_lifetime(
            day, exp_e, totals.export_kwh, nominal.export_kwh, BASE_EXPORT_KWH
        ),
        import_total_kwh=_lifetime(
            day, imp_e, totals.import_kwh, nominal.import_kwh, BASE_IMPORT_KWH
        ),
        slot=day * SLOTS_PER_DAY + index,
    )
