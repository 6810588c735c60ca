"""Today's energies from Huawei's counters (docs/accounting.md, "Energy"), on real replies: the
public capture's daily identity, an AC-coupled battery, two inverters. Each reply goes through
the parser as it came, with only the counters under test set."""

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fusioncharge.accounting.energy import site_energy
from fusioncharge.accounting.site_bounds import SiteSize
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    SiteEnergy,
    SiteMeters,
    SitePlant,
    account,
)
from fusioncharge.accounting.types import AccountingLog
from fusioncharge.fusionsolar import parse
from fusioncharge.models import CounterSample, Device, EnergyWatch, Reading

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "accounting.md"
T = 1_788_364_500_000  # 2026-09-02 16:35 UTC


def reply(name: str) -> dict:
    return json.loads((FIXTURES / "fusionsolar-responses" / name).read_text())


def capture_const(name: str, const: str) -> dict:
    """A JavaScript object literal of numbers, as the public capture holds it."""
    text = (FIXTURES / "public-captures" / name).read_text(encoding="utf-8")
    found = re.search(rf"const {const}\s*=\s*(\{{.*?\}});", text, re.S)
    assert found, const
    body = re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', found.group(1))
    return json.loads(re.sub(r",\s*}", "}", body))


def identity_numbers() -> tuple[dict, float, float]:
    """The capture's inverter map, and the battery's counters its comment states."""
    name = "getDevRealKpi-hybrid38-daily-identity-homey.js.txt"
    text = (FIXTURES / "public-captures" / name).read_text(encoding="utf-8")
    found = re.search(r"charge_cap ([\d.]+) − discharge_cap ([\d.]+)", text)
    assert found
    return capture_const(name, "INVERTER"), float(found.group(1)), float(found.group(2))


def readings_of(envelope: dict, type_id: int, dev_id: int, **values: object) -> list[Reading]:
    """A real reply with this device id, time and counters."""
    envelope = copy.deepcopy(envelope)
    item = envelope["data"][0]
    item["devId"] = dev_id
    item["dataItemMap"].update(values)
    envelope["params"]["currentTime"] = T
    return parse.readings(envelope, type_id)


def hybrid_reply(inverter_map: dict) -> dict:
    envelope = reply("getDevRealKpi-1-string-inverter.json")
    envelope["data"][0]["dataItemMap"] = {"inverter_state": 512.0, **inverter_map}
    return envelope


def energy_of(readings, **options) -> SiteEnergy:
    result = account(readings, AccountingOptions(**options)).meters
    assert isinstance(result, SiteMeters), result
    return result.energy


def battery(dev_id=2, **values) -> list[Reading]:
    return readings_of(reply("getDevRealKpi-39-battery.json"), 39, dev_id, **values)


def test_the_captures_daily_identity():
    """A hybrid with a DC-coupled LUNA2000: the inverter's yield lacks what the panels put into
    the battery and holds what the battery gave back."""
    inverter_map, charged, discharged = identity_numbers()
    readings = readings_of(hybrid_reply(inverter_map), 38, 1)
    readings += battery(charge_cap=charged, discharge_cap=discharged)
    energy = energy_of(readings)
    assert energy.production_today_kwh == 33.38  # the station's own PV figure: 33.37
    assert energy.battery_charged_today_kwh == 13.12
    assert energy.battery_discharged_today_kwh == 4.53
    assert energy.production_total_kwh is None  # total_cap holds the battery's discharge


def test_the_worked_example_in_the_docs_is_what_the_accounting_gives():
    section = DOCS.read_text(encoding="utf-8").split("## Energy worked example", 1)[1]
    numbers = re.search(
        r"production_today_kwh\s+= ([\d.]+) \+ ([\d.]+) - ([\d.]+) = ([\d.]+)", section
    )
    assert numbers, "the worked example's production line"
    day, charged, discharged, production = map(float, numbers.groups())
    readings = readings_of(hybrid_reply({"active_power": 6.738, "day_cap": day}), 38, 1)
    readings += battery(charge_cap=charged, discharge_cap=discharged)
    assert energy_of(readings).production_today_kwh == production


def test_an_ac_coupled_battery_is_not_taken_out_of_the_inverters_yield():
    """A string inverter's own reply (olibos' capture shape) beside a battery on the AC side."""
    inverter = readings_of(reply("getDevRealKpi-1-string-inverter.json"), 1, 1)
    readings = inverter + battery(charge_cap=0.24, discharge_cap=0.14)
    energy = energy_of(readings, battery_coupling="ac")
    assert energy == SiteEnergy(
        production_today_kwh=1.48,
        production_total_kwh=inverter[0].get("total_cap"),
        battery_charged_today_kwh=0.24,
        battery_discharged_today_kwh=0.14,
    )


def test_two_inverters_add_up_and_one_unknown_leaves_the_sum_out():
    envelope = reply("getDevRealKpi-1-string-inverter.json")
    first = readings_of(envelope, 1, 1, day_cap=1.48, total_cap=6925.39)
    second = readings_of(envelope, 1, 2, day_cap=0.93, total_cap=1000.0)
    energy = energy_of(first + second)
    assert energy.production_today_kwh == 2.41
    assert energy.production_total_kwh == 7925.39
    unknown = readings_of(envelope, 1, 2, day_cap="N/A", total_cap=1000.0)
    assert energy_of(first + unknown).production_today_kwh is None  # never half the site


def test_several_plants_add_up():
    envelope = reply("getDevRealKpi-1-string-inverter.json")
    readings = readings_of(envelope, 1, 1, day_cap=1.5) + readings_of(envelope, 1, 2, day_cap=2.0)
    plants = [
        SitePlant("NE=1", devices=(Device(1, "", 1, "NE=1"),)),
        SitePlant("NE=2", devices=(Device(2, "", 1, "NE=2"),)),
    ]
    meters = account(readings, AccountingOptions(), plants=plants).meters
    assert isinstance(meters, SiteMeters) and meters.production_today_kwh == 3.5


@pytest.mark.parametrize(
    ("options", "battery_values"),
    [
        ({"use_battery": False}, {}),  # no battery reading counts
        ({}, {"charge_cap": "N/A"}),  # a counter the battery did not report
    ],
)
def test_a_dc_site_without_the_batterys_counters_has_no_solar_energy(options, battery_values):
    inverter_map, _, _ = identity_numbers()
    readings = readings_of(hybrid_reply(inverter_map), 38, 1)
    readings += battery(**battery_values)
    energy = energy_of(readings, **options)
    assert energy.production_today_kwh is None  # 24.79 would count the battery's discharge
    assert energy.battery_charged_today_kwh is None


def test_a_listed_battery_without_a_reading_leaves_the_dc_sum_out():
    inverter_map, _, _ = identity_numbers()
    readings = readings_of(hybrid_reply(inverter_map), 38, 1)
    plant = SitePlant("NE=1", devices=(Device(1, "", 38, "NE=1"), Device(2, "", 39, "NE=1")))
    meters = account(readings, AccountingOptions(battery_coupling="dc"), plants=[plant]).meters
    assert isinstance(meters, SiteMeters) and meters.production_today_kwh is None


def test_energies_stay_out_of_chargehqs_site_meters():
    inverter_map, charged, discharged = identity_numbers()
    readings = readings_of(hybrid_reply(inverter_map), 38, 1)
    readings += battery(charge_cap=charged, discharge_cap=discharged)
    result = account(readings, AccountingOptions()).meters
    assert isinstance(result, SiteMeters)
    assert not set(result.as_dict()) & set(result.energy.as_dict())


def test_a_counter_beyond_what_a_day_allows_is_named_and_left_out():
    envelope = reply("getDevRealKpi-1-string-inverter.json")
    readings = readings_of(envelope, 1, 1, day_cap=5000.0)
    plant = SitePlant("NE=1", devices=(Device(1, "", 1, "NE=1"),), capacity_kwp=10.0)
    accounting = account(readings, AccountingOptions(), plants=[plant])
    assert isinstance(accounting.meters, SiteMeters)
    assert accounting.meters.production_today_kwh is None
    assert any("day_cap 5000 kWh left out" in d for d in accounting.dropped)


# energy.py's promises with literal numbers (docs/accounting.md, "Energy"): the counters' own
# names in the log, which counters restart daily, each plant's midnight, the DC identity's
# rounding and its floor, the bounds a day's counter is checked against (the inverters' margin,
# plus the batteries' rated power behind a hybrid inverter), and a part never passing for the
# whole site.

AC = AccountingOptions(battery_coupling="ac")
DC = AccountingOptions(battery_coupling="dc")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def minute(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) // 60


NOON = minute("2027-01-15 12:00")


def inverter(dev: int = 1, **counters: float) -> Reading:
    return Reading(dev, 1, {"active_power": 1.0, "inverter_state": 512.0, **counters})


def battery_with(dev: int = 39, **values: float) -> Reading:
    return Reading(dev, 39, {"battery_status": 2.0, "ch_discharge_power": 0.0, **values})


def energy(readings, options=AC, before=None, at=NOON, size=None, plants=()):
    log = AccountingLog()
    found, watch = site_energy(readings, options, plants, before, at * 60_000, log, size)
    return found, watch, log


# --- the counters' names, and which of them restart at midnight -------------------------------
@pytest.mark.parametrize(
    ("name", "reading", "logged"),
    [
        ("inverter_day", inverter(day_cap=5.0), "the inverters' day_cap (summed)"),
        (
            "charged_day",
            battery_with(charge_cap=5.0, discharge_cap=9.0),
            "the batteries' charge_cap",
        ),
        (
            "discharged_day",
            battery_with(charge_cap=9.0, discharge_cap=5.0),
            "the batteries' disch",
        ),
        ("inverter_total", inverter(total_cap=5.0), "the inverters' total_cap (summed)"),
    ],
)
def test_a_counter_left_out_is_named_by_what_it_sums(name, reading, logged):
    readings = [inverter(), reading] if reading.type_id == 39 else [reading]
    before = EnergyWatch(**{name: CounterSample(8.0, NOON - 5)})
    _, _, log = energy(readings, before=before)
    assert [d for d in log.dropped if d.startswith(f"{logged}")], log.dropped
    assert len(log.dropped) == 1 and " 5 kWh left out: " in log.dropped[0]


def test_the_daily_counters_restart_at_midnight_and_the_lifetime_one_never():
    before = EnergyWatch(
        inverter_day=CounterSample(30.0, minute("2027-01-15 23:55")),
        charged_day=CounterSample(6.0, minute("2027-01-15 23:55")),
        discharged_day=CounterSample(4.0, minute("2027-01-15 23:55")),
        inverter_total=CounterSample(15_000.0, minute("2027-01-15 23:55")),
    )
    readings = [
        inverter(day_cap=0.0, total_cap=15_000.0),
        battery_with(charge_cap=0.0, discharge_cap=0.0),
    ]
    found, _, log = energy(readings, before=before, at=minute("2027-01-16 00:05"))
    assert log.dropped == []
    assert found == SiteEnergy(0.0, 15_000.0, 0.0, 0.0)


def test_a_daily_counter_restarts_at_its_plants_midnight_not_utcs():
    """23:05 UTC is 00:05 in Amsterdam: its inverter's day started afresh."""
    before = EnergyWatch(inverter_day=CounterSample(30.0, minute("2027-01-15 22:55")))
    plants = [SitePlant("NE=1", devices=(Device(1, "", 1, "NE=1"),), zone=AMSTERDAM)]
    found, _, log = energy(
        [inverter(day_cap=0.0)], before=before, at=minute("2027-01-15 23:05"), plants=plants
    )
    assert (found.production_today_kwh, log.dropped) == (0.0, [])


# --- the DC identity: day + charged - discharged, rounded to 0.01 kWh, never below zero --------
def test_counters_are_rounded_to_a_hundredth_of_a_kwh():
    readings = [
        inverter(day_cap=5.004, total_cap=15_000.126),
        battery_with(charge_cap=1.116, discharge_cap=2.224),
    ]
    found, _, _ = energy(readings)
    assert found == SiteEnergy(5.0, 15_000.13, 1.12, 2.22)


def test_a_dc_sum_down_to_minus_0_05_kwh_is_zero_and_below_it_is_left_out_and_named():
    readings = [inverter(day_cap=0.0), battery_with(charge_cap=0.0, discharge_cap=0.05)]
    found, _, log = energy(readings, DC)
    assert (found.production_today_kwh, log.dropped) == (0.0, [])
    readings = [inverter(day_cap=0.0), battery_with(charge_cap=0.0, discharge_cap=0.06)]
    found, _, log = energy(readings, DC)
    assert found.production_today_kwh is None
    assert log.dropped == [
        "solar energy today -0.06 kWh left out: the inverters' yield 0 + charged 0 - "
        "discharged 0.06 is below zero"
    ]


def test_a_dc_site_without_its_batterys_counters_says_so_only_when_the_yield_was_there():
    _, _, log = energy([inverter(day_cap=5.0)], DC, plants=[dc_plant()])
    assert [key for key, _ in log.notes] == ["energy without battery counters"]
    _, _, log = energy([inverter()], DC, plants=[dc_plant()])
    assert log.notes == []


def test_solar_today_never_goes_below_the_last_runs_and_the_last_runs_is_not_made_up():
    at = NOON - 5
    before = EnergyWatch(
        inverter_day=CounterSample(0.3, at),
        charged_day=CounterSample(0.2, at),
        discharged_day=CounterSample(0.0, at),
    )
    readings = [inverter(day_cap=0.3), battery_with(charge_cap=0.2, discharge_cap=0.0)]
    assert energy(readings, DC, before=before)[0].production_today_kwh == 0.5
    readings = [inverter(day_cap=0.3), battery_with(charge_cap=0.2, discharge_cap=0.04)]
    assert energy(readings, DC, before=before)[0].production_today_kwh == 0.5  # battery losses


# --- a part of the site never passes for the whole ---------------------------------------------
def dc_plant(*more: Device) -> SitePlant:
    devices = (Device(1, "", 1, "NE=1"), Device(39, "", 39, "NE=1"), *more)
    return SitePlant("NE=1", devices=devices)


def test_a_listed_battery_without_a_reading_leaves_the_batteries_sums_out():
    readings = [inverter(day_cap=5.0), battery_with(charge_cap=1.0, discharge_cap=2.0)]
    found, _, _ = energy(readings, DC, plants=[dc_plant(Device(40, "", 39, "NE=1"))])
    assert (found.battery_charged_today_kwh, found.production_today_kwh) == (None, None)


def test_a_battery_that_answered_nothing_leaves_the_batteries_sums_out():
    readings = [
        inverter(day_cap=5.0),
        battery_with(charge_cap=1.0, discharge_cap=2.0),
        Reading(40, 39),
    ]
    found, _, _ = energy(readings, DC, plants=[dc_plant(Device(40, "", 39, "NE=1"))])
    assert (found.battery_charged_today_kwh, found.production_today_kwh) == (None, None)


# --- the bounds: a day's counter within 25 h of the site's margin; growth per hour -------------
def test_a_days_counter_from_0_to_25_hours_of_the_sites_margin_is_kept():
    size = SiteSize(5.0)  # 1.5 x 5 kWp + 1 kW = 8.5 kW; x 25 h = 212.5 kWh
    for kept in (0.0, 212.5):
        assert energy([inverter(day_cap=kept)], size=size)[0].production_today_kwh == kept
    found, _, log = energy([inverter(day_cap=212.51)], size=size)
    assert found.production_today_kwh is None and "outside 0 to 212.5 kWh" in log.dropped[0]


@pytest.mark.parametrize(
    ("options", "ratings", "most_kwh"),
    [
        (AC, {"max_charge_power": 3000.0, "max_discharge_power": 5000.0}, 8.55),
        (DC, {"max_charge_power": 3000.0, "max_discharge_power": 5000.0}, 17.05),  # + 8.5 kW
        (DC, {"max_charge_power": 5000.0}, 17.05),
        (DC, {"max_charge_power": 5.0}, 17.05),  # firmware that gives kW (below 100)
    ],
)
def test_the_inverters_day_may_grow_by_the_site_margin_and_a_hybrids_battery(
    options, ratings, most_kwh
):
    """An hour at 8.5 kW (5 kWp, confirmed), plus behind a hybrid inverter the battery's
    1.5 x its larger rating + 1 kW; and 0.05 kWh of rounding."""
    before = EnergyWatch(inverter_day=CounterSample(0.0, NOON - 60))
    for day, kept in ((most_kwh, True), (most_kwh + 0.01, False)):
        readings = [
            inverter(day_cap=day),
            battery_with(charge_cap=0.0, discharge_cap=0.0, **ratings),
        ]
        found, _, _ = energy(readings, options, before=before, size=SiteSize(5.0))
        assert (found.production_today_kwh is not None) == kept, (day, found)


def test_a_batterys_charge_grows_by_its_rating_and_without_one_by_any_devices():
    before = EnergyWatch(charged_day=CounterSample(0.0, NOON - 60))
    rated = battery_with(charge_cap=8.55, discharge_cap=0.0, max_charge_power=5000.0)  # 7.5 + 1 kW
    assert energy([inverter(), rated], before=before)[0].battery_charged_today_kwh == 8.55
    rated = battery_with(charge_cap=8.56, discharge_cap=0.0, max_charge_power=5000.0)
    assert energy([inverter(), rated], before=before)[0].battery_charged_today_kwh is None
    unrated = battery_with(charge_cap=500.0, discharge_cap=0.0)
    assert energy([inverter(), unrated], before=before)[0].battery_charged_today_kwh == 500.0
    zero = battery_with(charge_cap=500.0, discharge_cap=0.0, max_charge_power=0.0)
    assert energy([inverter(), zero], before=before)[0].battery_charged_today_kwh == 500.0
