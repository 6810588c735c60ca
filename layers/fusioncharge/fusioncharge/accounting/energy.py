"""Today's energies from Huawei's own counters, beside the power accounting. Pure: no I/O.

The counters come in the replies the power accounting already reads (no call more): inverter
(1/38) `day_cap` (AC yield today) and `total_cap` (lifetime AC yield), battery (39)
`charge_cap` / `discharge_cap` (energy charged / discharged today, not stored energy).

```
production_today_kwh         = Σ day_cap + Σ charge_cap - Σ discharge_cap  (DC-coupled battery)
                             = Σ day_cap                                    (no battery, AC-coupled)
production_total_kwh         = Σ total_cap                                  (no battery, AC-coupled)
battery_charged_today_kwh    = Σ charge_cap
battery_discharged_today_kwh = Σ discharge_cap
```
The same trap as for power: a hybrid inverter's yield holds what its battery delivered and
lacks what the panels put into it. So a DC-coupled site without every battery's counters has no
solar energy today, and no lifetime solar at all (`total_cap` holds every kWh the battery ever
gave back; no counter takes it out). A sum is known only when every device's counter is: a part
of the site never passes for the whole. Each counter is checked (energy_counters.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo

from fusioncharge.accounting import energy_counters, plausibility
from fusioncharge.accounting.energy_counters import Counter
from fusioncharge.accounting.site_bounds import SiteSize
from fusioncharge.accounting.types import (
    AccountingLog,
    AccountingOptions,
    SiteEnergy,
    SitePlant,
    field_value,
    kwh,
)
from fusioncharge.models import BATTERY, INVERTER_TYPES, CounterSample, EnergyWatch, Reading

DAY_HOURS = 25.0  # the longest local day (DST's fall-back)


@dataclass(frozen=True)
class _Site:
    """What bounds the counters: the fastest the inverters and the batteries can fill them."""

    inverters_kw: float
    batteries_kw: float


def site_energy(
    readings: Sequence[Reading],
    options: AccountingOptions,
    plants: Sequence[SitePlant],
    before: EnergyWatch | None,
    time_ms: int | None,
    log: AccountingLog,
    size: SiteSize | None,
) -> tuple[SiteEnergy, EnergyWatch | None]:
    """Today's energies, and the counters to keep for the next run (None: nothing to keep).
    `size`: the site's (site_bounds.site_size), the one every bound reads."""
    inverters = [r for r in readings if r.type_id in INVERTER_TYPES]
    batteries = _batteries(readings, options, plants, log)
    site = _bounds(options, plants, batteries or [], size)
    minute = None if time_ms is None else time_ms // 60_000
    zones = [p.zone for p in plants if p.zone is not None]
    watch = before or EnergyWatch()
    sums = {
        "inverter_day": (_sum(inverters, "day_cap", DAY_HOURS * site.inverters_kw, log), True),
        "charged_day": (_sum(batteries, "charge_cap", DAY_HOURS * site.batteries_kw, log), True),
        "discharged_day": (
            _sum(batteries, "discharge_cap", DAY_HOURS * site.batteries_kw, log),
            True,
        ),
        "inverter_total": (_sum(inverters, "total_cap", plausibility.MAX_COUNTER_KWH, log), False),
    }
    dc = _dc_battery(readings, options, plants)
    if dc:  # total_cap holds the battery's discharge: never solar, nothing to keep of it
        del sums["inverter_total"]
    kept: dict[str, float | None] = {"inverter_total": None}
    samples: dict[str, CounterSample | None] = {}
    for name, (value, daily) in sums.items():
        most = site.inverters_kw if name.startswith("inverter") else site.batteries_kw
        counter = Counter(_NAMES[name], daily, most)
        kept[name], samples[name] = energy_counters.checked(
            counter, value, getattr(watch, name), minute, zones, log
        )
    energy = _energy(kept, dc, log)
    earlier = _earlier_production(watch, minute, zones) if dc else None
    if energy.production_today_kwh is not None and earlier is not None:
        # The battery's own losses: discharge_cap counts at the battery, day_cap after the
        # inverter, so the sum dips a little as the battery gives back. Solar never goes down.
        energy = replace(energy, production_today_kwh=max(energy.production_today_kwh, earlier))
    new_watch = EnergyWatch(**samples)
    return energy, None if new_watch == EnergyWatch() else new_watch


_NAMES = {
    "inverter_day": "the inverters' day_cap (summed)",
    "charged_day": "the batteries' charge_cap (summed)",
    "discharged_day": "the batteries' discharge_cap (summed)",
    "inverter_total": "the inverters' total_cap (summed)",
}


def _energy(kept: dict[str, float | None], dc: bool, log: AccountingLog) -> SiteEnergy:
    day, charged, discharged = kept["inverter_day"], kept["charged_day"], kept["discharged_day"]
    production: float | None = day
    total = kept["inverter_total"]
    if dc:
        if day is None or charged is None or discharged is None:
            production = None
            if day is not None:
                _note(
                    log,
                    "the inverters' yield holds the battery's discharge, and the battery's "
                    "counters are unknown this run",
                )
        else:
            production = day + charged - discharged
            if production < -energy_counters.SLACK_KWH:
                log.dropped.append(
                    f"solar energy today {production:.2f} kWh left out: the inverters' yield "
                    f"{day:g} + charged {charged:g} - discharged {discharged:g} is below zero"
                )
                production = None
    return SiteEnergy(
        production_today_kwh=None if production is None else kwh(max(0.0, production)),
        production_total_kwh=kwh(total),
        battery_charged_today_kwh=kwh(charged),
        battery_discharged_today_kwh=kwh(discharged),
    )


def _earlier_production(
    watch: EnergyWatch, minute: int | None, zones: Sequence[tzinfo]
) -> float | None:
    """Today's solar as the last run had it: its three daily sums, read together today."""
    day, charged, discharged = watch.inverter_day, watch.charged_day, watch.discharged_day
    if minute is None or day is None or charged is None or discharged is None:
        return None
    if not day.minute == charged.minute == discharged.minute:
        return None  # one of them held from an earlier run
    if energy_counters.new_day(day.minute, minute, zones):
        return None
    return kwh(max(0.0, day.kwh + charged.kwh - discharged.kwh))


def _note(log: AccountingLog, why: str) -> None:
    log.notes.append(("energy without battery counters", f"solar energy today left out: {why}"))


def _batteries(
    readings: Sequence[Reading],
    options: AccountingOptions,
    plants: Sequence[SitePlant],
    log: AccountingLog,
) -> list[Reading] | None:
    """Every battery's reading (any status: an offline battery may have charged earlier today),
    or None when a battery's counters cannot be had (not read, or listed without a reading)."""
    if not options.use_battery:
        return None
    read = [r for r in readings if r.type_id == BATTERY]
    listed = {d.id for p in plants for d in p.devices if d.type_id == BATTERY}
    missing = sorted(listed - {r.device_id for r in read})
    if missing or any(r.empty for r in read):
        return None
    return read


def _dc_battery(
    readings: Sequence[Reading], options: AccountingOptions, plants: Sequence[SitePlant]
) -> bool:
    """A battery behind the inverters (listed or read, BATTERY_COUPLING=dc)."""
    listed = any(d.type_id == BATTERY for p in plants for d in p.devices)
    read = any(r.type_id == BATTERY for r in readings)
    return options.battery_coupling == "dc" and (listed or read)


def _bounds(
    options: AccountingOptions,
    plants: Sequence[SitePlant],
    batteries: Sequence[Reading],
    size: SiteSize | None,
) -> _Site:
    """The site's size with the production margin (loose when unconfirmed, as for power); the
    batteries' rated power when every battery tells it (else no home device's limit)."""
    inverters_kw = plausibility.MAX_DEVICE_KW
    if size is not None:
        inverters_kw = plausibility.production_limit_kw(size.kw, size.confirmed)
        if _dc_battery(batteries, options, plants):
            inverters_kw += _batteries_kw(batteries)  # the AC side also gives the battery's
    return _Site(inverters_kw, _batteries_kw(batteries))


def _batteries_kw(batteries: Sequence[Reading]) -> float:
    rated = [plausibility.rated_w(b) for b in batteries]  # W, as a kW-giving firmware's too
    if not rated or any(r <= 0 for r in rated):
        return plausibility.MAX_DEVICE_KW
    return 1.5 * sum(rated) / 1000 + 1.0


def _sum(
    devices: Sequence[Reading] | None, key: str, most_kwh: float, log: AccountingLog
) -> float | None:
    """The counter summed over the devices: unknown when any device's is, or there are none."""
    if not devices:
        return None
    total = 0.0
    for device in devices:
        value = field_value(device, key)
        if value is None:
            return None
        if not 0 <= value <= most_kwh:
            log.dropped.append(
                f"device {device.device_id} {key} {value:g} kWh left out: outside 0 to "
                f"{most_kwh:g} kWh, more than the device can count"
            )
            return None
        total += value
    return total
