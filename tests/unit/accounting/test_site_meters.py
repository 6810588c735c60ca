"""The energy accounting contract (docs/accounting.md), case by case."""

from dataclasses import replace

import pytest

from fusioncharge.accounting.grid import first_meter
from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    MeterSample,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
    compute_site_meters,
    device_types_needed,
    next_meter_type,
)
from fusioncharge.accounting.types import AccountingLog
from fusioncharge.models import Device, Reading
from tests.support.readings import T, inverter, sensor

T_READINGS = 1_700_000_000_123
DEFAULT = AccountingOptions()


def inverter_reading(power=2.4, state=512.0, dev=1, type_id=1, time_ms=T_READINGS, unknown=()):
    values = {"inverter_state": state} if state is not None else {}
    if power is not None:
        values["active_power"] = power
    return Reading(dev, type_id, values, frozenset(unknown), time_ms)


def sensor_reading(watts=-800.0, status=1.0, dev=47, active_cap=322.32, reverse=583.08):
    values = {"meter_status": status, "active_cap": active_cap, "reverse_active_cap": reverse}
    if watts is not None:
        values["active_power"] = watts
    return Reading(dev, 47, {k: v for k, v in values.items() if v is not None}, time_ms=T_READINGS)


def grid_meter(watts=-500.0, dev=17, active_cap=100.0, reverse=200.0, **more):
    values = {**more, "active_power": watts, "active_cap": active_cap}
    values["reverse_active_cap"] = reverse
    return Reading(dev, 17, values, time_ms=T_READINGS)


def battery(watts=-1500.0, soc=62.0, status=2.0, dev=39):
    values = {"ch_discharge_power": watts, "battery_soc": soc, "battery_status": status}
    return Reading(dev, 39, {k: v for k, v in values.items() if v is not None}, time_ms=T_READINGS)


def meters(readings, **options) -> SiteMeters:
    result = compute_site_meters(readings, AccountingOptions(**options))
    assert isinstance(result, SiteMeters), result
    return result


def test_worked_example_of_the_contract():
    result = meters([inverter_reading(2.4), battery(-1500, 62), sensor_reading(-800)])
    assert result.as_dict() == {
        "production_kw": 0.9,
        "net_import_kw": 0.8,
        "consumption_kw": 3.2,
        "imported_kwh": 583.08,
        "exported_kwh": 322.32,
        "battery_discharge_kw": 1.5,
        "battery_soc": 0.62,
    }
    assert result.tsms == T_READINGS


def test_as_dict_leaves_out_unknown_fields_and_tsms():
    result = SiteMeters(production_kw=1.0, tsms=T_READINGS)
    assert result.as_dict() == {"production_kw": 1.0}


def test_without_a_meter_only_production_and_battery_fields():
    result = meters([inverter_reading(2.4), battery(-1500, 62)], battery_capacity_kwh=10)
    assert result.as_dict() == {
        "production_kw": 0.9,
        "battery_discharge_kw": 1.5,
        "battery_soc": 0.62,
        "battery_energy_kwh": 6.2,
    }


def test_no_meter_no_battery_is_production_only():
    assert meters([inverter_reading(3.456789)]).as_dict() == {"production_kw": 3.457}


def test_power_sensor_exporting_in_watts():
    result = meters([inverter_reading(5.0), sensor_reading(watts=3210.4)])
    assert result.net_import_kw == -3.21
    assert result.consumption_kw == 1.79


def test_grid_meter_without_phase_values_reports_watts_as_today():
    result = meters([inverter_reading(2.0), grid_meter(watts=-500)])
    assert (result.net_import_kw, result.consumption_kw) == (0.5, 2.5)
    assert (result.imported_kwh, result.exported_kwh) == (200.0, 100.0)


def test_offline_power_sensor_falls_back_to_grid_meter():
    result = meters(
        [
            inverter_reading(2.0),
            sensor_reading(watts=-9999, status=0),
            grid_meter(watts=1000),
        ]
    )
    assert (result.net_import_kw, result.consumption_kw) == (-1.0, 1.0)


def test_power_sensor_with_unknown_power_counts_as_offline():
    readings = [inverter_reading(2.0), sensor_reading(watts=None), grid_meter(watts=1000)]
    assert meters(readings).net_import_kw == -1.0
    assert "net_import_kw" not in meters(readings, use_grid_meter=False).as_dict()


def test_offline_power_sensor_and_no_grid_meter_means_no_grid_fields():
    result = meters([inverter_reading(2.0), sensor_reading(status=0)])
    assert result.as_dict() == {"production_kw": 2.0}


def test_power_sensor_preferred_over_grid_meter():
    result = meters([inverter_reading(2.0), sensor_reading(watts=-800), grid_meter(watts=5000)])
    assert result.net_import_kw == 0.8


def test_power_sensor_switched_off_uses_grid_meter():
    readings = [inverter_reading(2.0), sensor_reading(watts=-800), grid_meter(watts=5000)]
    assert meters(readings, use_power_sensor=False).net_import_kw == -5.0


def test_both_meters_switched_off_means_production_only():
    readings = [inverter_reading(2.0), sensor_reading(), grid_meter()]
    result = meters(readings, use_power_sensor=False, use_grid_meter=False)
    assert result.as_dict() == {"production_kw": 2.0}


def test_several_power_sensors_the_lowest_device_id_counts():
    result = meters(
        [
            inverter_reading(2.0),
            sensor_reading(watts=-100, dev=9),
            sensor_reading(watts=-800, dev=5),
        ]
    )
    assert result.net_import_kw == 0.8


def test_several_inverters_are_summed_across_types():
    result = meters(
        [
            inverter_reading(1.5, dev=1),
            inverter_reading(2.25, dev=2, type_id=38),
            sensor_reading(0),
        ]
    )
    assert (result.production_kw, result.consumption_kw) == (3.75, 3.75)


def test_meter_mounted_the_other_way_round():
    result = meters(
        [inverter_reading(2.4), battery(-1500), sensor_reading(-800)],
        meter_export_positive=False,
    )
    assert result.net_import_kw == -0.8
    assert result.consumption_kw == 1.6
    assert (result.imported_kwh, result.exported_kwh) == (322.32, 583.08)


def test_missing_counters_are_left_out():
    result = meters([inverter_reading(2.0), sensor_reading(active_cap=None, reverse=None)])
    assert {"imported_kwh", "exported_kwh"}.isdisjoint(result.as_dict())
    assert result.net_import_kw == 0.8


def test_negative_counter_is_broken_so_left_out():
    result = meters([inverter_reading(2.0), sensor_reading(active_cap=-1.0)])
    assert "exported_kwh" not in result.as_dict()
    assert result.imported_kwh == 583.08


def test_charging_battery_dc_coupled_adds_to_production():
    result = meters([inverter_reading(1.0), battery(watts=2000, soc=40), sensor_reading(watts=0)])
    assert result.battery_discharge_kw == -2.0
    assert result.production_kw == 3.0
    assert result.consumption_kw == 1.0


def test_ac_coupled_battery_does_not_change_production():
    readings = [inverter_reading(2.4), battery(-1500, 62), sensor_reading(-800)]
    result = meters(readings, battery_coupling="ac")
    assert result.production_kw == 2.4
    assert result.battery_discharge_kw == 1.5
    assert result.consumption_kw == 4.7


def hybrid(ac=2.4, pv=0.9, dev=1):
    """A hybrid inverter: AC output (kW) holds a DC battery's discharge; mppt_power is PV."""
    return Reading(
        dev,
        38,
        {"inverter_state": 512.0, "active_power": ac, "mppt_power": pv},
        time_ms=T_READINGS,
    )


def test_battery_toggled_off_ignores_battery_readings_and_takes_production_from_pv():
    result = meters([hybrid(2.4, 0.9), battery(-1500, 62), sensor_reading(-800)], use_battery=False)
    assert result.as_dict() == {
        "production_kw": 0.9,  # not the 2.4 kW AC output, 1.5 of which is the battery's
        "net_import_kw": 0.8,
        "consumption_kw": 1.7,  # the battery's share is unknown without its reading
        "imported_kwh": 583.08,
        "exported_kwh": 322.32,
    }


def test_battery_toggled_off_without_mppt_power_is_no_site_meters():
    result = compute_site_meters(
        [inverter_reading(2.4), battery(-1500, 62), sensor_reading(-800)],
        AccountingOptions(use_battery=False),
    )
    assert isinstance(result, NoSiteMeters)
    assert "mppt_power" in result.reason and "battery's discharge" in result.reason


def test_offline_battery_is_not_counted():
    result = meters([inverter_reading(2.4), battery(-1500, 62, status=0), sensor_reading(-800)])
    assert result.battery_discharge_kw is None
    assert result.battery_soc is None
    assert result.production_kw == 2.4


def test_several_batteries_power_summed_soc_averaged():
    readings = [inverter_reading(3.0), battery(-1000, 50, dev=1), battery(-500, 71, dev=2)]
    result = meters(readings)
    assert (result.battery_discharge_kw, result.battery_soc, result.production_kw) == (
        1.5,
        0.605,
        1.5,
    )


def test_one_of_two_batteries_offline():
    result = meters(
        [inverter_reading(3.0), battery(-1000, 50, dev=1), battery(-500, 70, status=0, dev=2)]
    )
    assert (result.battery_discharge_kw, result.battery_soc) == (1.0, 0.5)


@pytest.mark.parametrize(("percent", "fraction"), [(100, 1.0), (1, 0.01), (0, 0.0)])
def test_soc_percent_becomes_a_fraction(percent, fraction):
    assert meters([inverter_reading(1.0), battery(soc=percent)]).battery_soc == fraction


@pytest.mark.parametrize("percent", [-5, 104, 250])
def test_soc_outside_0_to_100_is_unknown_not_clamped(percent):
    result = meters([inverter_reading(1.0), battery(soc=percent)], battery_capacity_kwh=10)
    assert result.battery_soc is None and result.battery_energy_kwh is None
    assert result.battery_discharge_kw == 1.5  # the power is still a measurement


def test_battery_energy_only_with_capacity():
    readings = [inverter_reading(1.0), battery(soc=62)]
    assert meters(readings).battery_energy_kwh is None
    assert meters(readings, battery_capacity_kwh=15).battery_energy_kwh == 9.3


def test_unknown_soc_leaves_soc_and_energy_out_but_sends_power():
    result = meters([inverter_reading(1.0), battery(soc=None)], battery_capacity_kwh=10)
    assert result.battery_discharge_kw == 1.5
    assert result.battery_soc is None and result.battery_energy_kwh is None


@pytest.mark.parametrize("coupling", ["dc", "ac"])
def test_battery_power_unknown_gives_no_site_meters(coupling):
    reading = Reading(
        39, 39, {"battery_soc": 50.0, "battery_status": 2.0}, frozenset({"ch_discharge_power"})
    )
    result = compute_site_meters(
        [inverter_reading(1.0), reading, sensor_reading()],
        AccountingOptions(battery_coupling=coupling),
    )
    assert isinstance(result, NoSiteMeters)
    assert "battery 39 ch_discharge_power unknown" in result.reason


def test_offline_battery_with_unknown_power_is_simply_not_counted():
    reading = Reading(39, 39, {"battery_status": 0.0}, frozenset({"ch_discharge_power"}))
    assert meters([inverter_reading(1.0), reading]).as_dict() == {"production_kw": 1.0}


def test_no_inverter_reading_gives_no_site_meters():
    result = compute_site_meters([sensor_reading(), battery()], DEFAULT)
    assert isinstance(result, NoSiteMeters)
    assert "no inverter reading" in result.reason


@pytest.mark.parametrize("state", [512.0, 513.0, 45056.0, None])
def test_inverter_power_unknown_while_maybe_producing(state):
    result = compute_site_meters(
        [inverter_reading(None, state=state, dev=77, unknown={"active_power"})], DEFAULT
    )
    assert isinstance(result, NoSiteMeters)
    assert result.reason.startswith("inverter 77 active_power unknown while producing")


@pytest.mark.parametrize("state", [40960.0, 768.0, 771.0, 774.0])
def test_inverter_power_unknown_counts_as_zero_when_idle(state):
    readings = [
        inverter_reading(None, state=state, unknown={"active_power"}),
        sensor_reading(watts=-800),
    ]
    result = meters(readings)
    assert (result.production_kw, result.consumption_kw) == (0.0, 0.8)


def test_one_idle_inverter_beside_a_producing_one():
    readings = [inverter_reading(2.0, dev=1), inverter_reading(None, state=40960.0, dev=2)]
    assert meters(readings).production_kw == 2.0


def test_production_is_never_negative():
    # Night: the inverter draws a little standby power from the grid.
    result = meters([inverter_reading(-0.012), sensor_reading(watts=-300)])
    assert result.production_kw == 0.0
    assert result.consumption_kw == 0.3


def test_no_negative_zero_reaches_the_json():
    result = meters([inverter_reading(0.0), battery(watts=0.0), sensor_reading(watts=-0.0001)])
    for value in result.as_dict().values():
        assert str(value) != "-0.0"


def test_rounding_kw_3_kwh_2_soc_3():
    result = meters(
        [
            inverter_reading(1.23456),
            sensor_reading(watts=-123.4567, active_cap=1.23456),
            battery(-1000.4, 33.3333),
        ]
    )
    assert result.battery_discharge_kw == 1.0
    assert result.production_kw == 0.235
    assert result.net_import_kw == 0.123
    assert result.exported_kwh == 1.23
    assert result.battery_soc == 0.333
    assert result.consumption_kw == 1.358


def test_absurd_readings_that_overflow_give_no_site_meters():
    result = compute_site_meters([inverter_reading(1e308), inverter_reading(1e308, dev=2)], DEFAULT)
    assert isinstance(result, NoSiteMeters)


def test_tsms_is_the_earliest_inverter_time():
    readings = [
        inverter_reading(1.0, time_ms=T_READINGS + 5),
        inverter_reading(1.0, dev=2, type_id=38, time_ms=T_READINGS),
    ]
    assert meters(readings).tsms == T_READINGS
    assert meters([inverter_reading(1.0, time_ms=None)]).tsms is None


def test_options_reject_what_settings_would_have_refused():
    with pytest.raises(ValueError, match="battery_coupling"):
        AccountingOptions(battery_coupling="DC-ish")
    with pytest.raises(ValueError, match="battery_capacity_kwh"):
        AccountingOptions(battery_capacity_kwh=-5)


# --- which devices to fetch --------------------------------------------------------------------
def devices(*type_ids: int) -> list[Device]:
    return [Device(i, f"dev{i}", t, "NE=1") for i, t in enumerate(type_ids)]


@pytest.mark.parametrize(
    ("types", "options", "needed"),
    [
        ((62, 1, 39, 47), DEFAULT, [1, 39, 47]),
        ((38, 38, 47, 17), DEFAULT, [38, 47]),
        ((1, 38, 17), DEFAULT, [1, 17, 38]),
        ((1, 47, 17), AccountingOptions(use_power_sensor=False), [1, 17]),
        ((1, 47, 17), AccountingOptions(use_power_sensor=False, use_grid_meter=False), [1]),
        ((1, 39), AccountingOptions(use_battery=False), [1]),
        ((62, 46), DEFAULT, []),
        ((38, 23070, 39, 23071, 23072), DEFAULT, [38, 39, 23070]),
        ((38, 23070, 47), AccountingOptions(use_emma=False), [38, 47]),
    ],
)
def test_device_types_needed(types, options, needed):
    assert device_types_needed(devices(*types), options) == needed


def test_next_meter_when_the_first_gave_nothing_usable():
    devs = devices(1, 47, 17)
    assert (
        next_meter_type(devs, [inverter_reading(), sensor_reading(status=0)], DEFAULT, {1, 47})
        == 17
    )
    assert next_meter_type(devs, [inverter_reading()], DEFAULT, {1, 47}) == 17  # 47 gave no reading
    assert next_meter_type(devs, [inverter_reading(), sensor_reading()], DEFAULT, {1, 47}) is None
    assert (
        next_meter_type(devs, [inverter_reading(), sensor_reading(status=0)], DEFAULT, {1, 47, 17})
        is None
    )
    no_grid = AccountingOptions(use_grid_meter=False)
    assert (
        next_meter_type(devs, [inverter_reading(), sensor_reading(status=0)], no_grid, {1, 47})
        is None
    )
    assert (
        next_meter_type(
            devices(1, 47), [inverter_reading(), sensor_reading(status=0)], DEFAULT, {1, 47}
        )
        is None
    )
    # EMMA first; a 20013 (no readings) on it makes the power sensor the next in line.
    assert next_meter_type(devices(1, 23070, 47), [inverter_reading()], DEFAULT, {1, 23070}) == 47
    # An implausible sensor reading is no meter: the grid meter stands in.
    sentinel = sensor_reading(watts=-65_230_000)
    assert next_meter_type(devs, [inverter_reading(), sentinel], DEFAULT, {1, 47}) == 17


# --- several plants ----------------------------------------------------------------------------
def plant(code: str, *devs: tuple[int, int], metered: bool = True, capacity=None) -> SitePlant:
    devices = tuple(Device(i, f"dev{i}", t, code, capacity if t == 39 else None) for i, t in devs)
    return SitePlant(code, f"Plant {code}", devices, metered)


HOUSE = plant("NE=1", (1, 38), (47, 47))
GARAGE = plant("NE=2", (2, 1), (48, 47))


def site(readings, plants, previous=None, **options):
    return account(readings, AccountingOptions(**options), previous, plants)


def test_meters_of_two_plants_add_up_power_and_counters():
    readings = [
        inverter_reading(3.0, dev=1, type_id=38),
        inverter_reading(1.0, dev=2),
        sensor_reading(-800, dev=47),
    ]
    readings.append(sensor_reading(300, dev=48, active_cap=10.0, reverse=20.0))
    result = site(readings, [HOUSE, GARAGE])
    assert result.meters.as_dict() == {
        "production_kw": 4.0,
        "net_import_kw": 0.5,  # 0.8 in at the House, 0.3 out at the Garage
        "consumption_kw": 4.5,
        "imported_kwh": 603.08,
        "exported_kwh": 332.32,
    }
    assert (result.meter.device_id, result.meter.also) == (47, (48,))


def test_a_counter_unknown_on_one_meter_leaves_that_sum_out():
    readings = [
        inverter_reading(dev=1, type_id=38),
        inverter_reading(dev=2),
        sensor_reading(dev=47),
    ]
    readings.append(sensor_reading(300, dev=48, active_cap=None))
    meters = site(readings, [HOUSE, GARAGE]).meters
    assert meters.exported_kwh is None and meters.imported_kwh == 1166.16


def test_summed_counters_that_ran_backwards_are_left_out():
    readings = [
        inverter_reading(dev=1, type_id=38),
        inverter_reading(dev=2),
        sensor_reading(dev=47),
        sensor_reading(dev=48),
    ]
    before = MeterSample(47, 47, 0.0, 1200.0, 600.0, T_READINGS - 300_000, also=(48,))
    result = site(readings, [HOUSE, GARAGE], before)
    assert result.meters.imported_kwh is None  # 1166.16 < 1200: a meter was reset or swapped
    assert result.meters.exported_kwh == 644.64
    assert any("ran backwards" in d for d in result.dropped)
    other = MeterSample(47, 47, 0.0, 1200.0, 600.0, T_READINGS - 300_000, also=(49,))
    assert site(readings, [HOUSE, GARAGE], other).meters.imported_kwh == 1166.16  # other meters


def test_a_plant_whose_meter_does_not_count_is_left_out_of_the_grid_sum():
    readings = [
        inverter_reading(dev=1, type_id=38),
        inverter_reading(dev=2),
        sensor_reading(-800, dev=47),
    ]
    readings.append(sensor_reading(300, dev=48))
    garage = plant("NE=2", (2, 1), (48, 47), metered=False)
    meters = site(readings, [HOUSE, garage]).meters
    assert (meters.net_import_kw, meters.imported_kwh) == (0.8, 583.08)


def test_types_needed_follow_each_metered_plants_first_meter():
    house = plant("NE=1", (1, 38), (47, 47))
    garage = plant("NE=2", (2, 1), (17, 17))
    devs = [*house.devices, *garage.devices]
    assert device_types_needed(devs, DEFAULT, [house, garage]) == [1, 17, 38, 47]
    unmetered = plant("NE=2", (2, 1), (17, 17), metered=False)
    assert device_types_needed(devs, DEFAULT, [house, unmetered]) == [1, 38, 47]


def test_next_meter_type_for_the_plant_whose_meter_gave_nothing():
    house = plant("NE=1", (1, 38), (47, 47))
    garage = plant("NE=2", (2, 1), (48, 47), (17, 17))
    devs = [*house.devices, *garage.devices]
    readings = [
        inverter_reading(dev=1, type_id=38),
        inverter_reading(dev=2),
        sensor_reading(dev=47),
    ]
    offline = [*readings, sensor_reading(dev=48, status=0)]
    assert next_meter_type(devs, offline, DEFAULT, {1, 38, 47}, [house, garage]) == 17
    online = [*readings, sensor_reading(dev=48)]
    assert next_meter_type(devs, online, DEFAULT, {1, 38, 47}, [house, garage]) is None


@pytest.mark.parametrize(
    ("capacities", "soc"),
    [((10.0, 5.0), 0.6), ((None, 5.0), 0.5), ((None, None), 0.5)],
)
def test_soc_weighted_by_rated_capacity_when_every_one_is_known(capacities, soc):
    house = plant("NE=1", (1, 38), (39, 39), capacity=capacities[0])
    garage = plant("NE=2", (2, 1), (40, 39), capacity=capacities[1])
    readings = [inverter_reading(dev=1, type_id=38), inverter_reading(dev=2)]
    readings += [battery(soc=80.0, dev=39), battery(soc=20.0, dev=40)]
    meters = site(readings, [house, garage], battery_capacity_kwh=15).meters
    assert meters.battery_soc == soc
    assert meters.battery_energy_kwh == round(soc * 15, 2)


def test_one_plant_is_accounted_exactly_as_without_plants():
    readings = [
        inverter_reading(2.4, dev=1, type_id=38),
        battery(-1500, 62),
        sensor_reading(-800),
    ]
    home = plant("NE=1", (1, 38), (39, 39), (47, 47), capacity=10.0)
    # Only the plant tells the site's size is unknown (said once: site_bounds.site_size).
    assert replace(site(readings, [home]), cautions=()) == account(readings, DEFAULT)


def test_the_summed_meter_is_named_by_its_lowest_device_id_in_any_order():
    readings = [
        sensor_reading(300, dev=48),
        sensor_reading(-800, dev=47),
        inverter_reading(1.0, dev=2),
    ]
    readings.append(inverter_reading(3.0, dev=1, type_id=38))
    result = site(readings, [GARAGE, HOUSE])
    assert (result.meter.device_id, result.meter.also) == (47, (48,))


def test_of_two_meters_of_one_type_the_lowest_device_id_is_the_plants_meter():
    two = plant("NE=1", (1, 38), (48, 47), (47, 47))
    readings = [
        inverter_reading(3.0, dev=1, type_id=38),
        sensor_reading(-300, dev=48),
        sensor_reading(-800, dev=47),
    ]
    result = site(readings, [two])
    assert result.meter.device_id == 47 and result.meters.net_import_kw == 0.8
    alone = site(readings, [])  # one plant's readings, no device list
    assert alone.meter.device_id == 47 and alone.meters.net_import_kw == 0.8
    meters = [
        sensor_reading(-300, dev=48),
        sensor_reading(-800, dev=47),
    ]  # first_meter itself, in any order
    assert first_meter(meters, AccountingOptions(), AccountingLog()).device_id == 47


def test_the_batterys_energy_is_its_soc_of_its_capacity_to_the_hundredth_of_a_kwh():
    """57 % of 13.5 kWh is 7.695 kWh (7.694999... in floats): pushed as 7.69."""
    battery = Reading(
        39,
        39,
        {"ch_discharge_power": 0.0, "battery_soc": 57.0, "battery_status": 2.0},
        time_ms=T_READINGS,
    )
    result = site(
        [inverter_reading(2.0), sensor_reading(-800), battery],
        [],
        battery_capacity_kwh=13.5,
    )
    assert result.meters.battery_energy_kwh == 7.69


def test_a_counter_that_ran_backwards_is_named_for_what_it_counts():
    readings = [
        inverter_reading(dev=1, type_id=38),
        inverter_reading(dev=2),
        sensor_reading(dev=47),
        sensor_reading(dev=48),
    ]
    before = MeterSample(47, 47, 0.0, 1200.0, 600.0, T_READINGS - 300_000, also=(48,))
    result = site(readings, [HOUSE, GARAGE], before)
    assert [d.split(":")[0] for d in result.dropped] == [
        "the plants' meters (summed) import counter 1166.16 kWh left out"
    ]
    assert (result.meters.imported_kwh, result.meters.exported_kwh) == (None, 644.64)


# site_meters.py's own promises (docs/accounting.md): a device sent twice counts once, each
# inverter of a type counts, and an inverter asleep at night is asleep for every sum that reads
# it (production from the AC side and from the PV side alike).


def silent(dev: int) -> Reading:
    """An inverter that answers with every value unknown (disconnected, or asleep)."""
    return Reading(dev, 1, {}, unknown=frozenset({"active_power", "inverter_state"}), time_ms=T)


def test_a_device_sent_twice_counts_once_and_is_named():
    result = account([inverter(2.0), inverter(2.0), sensor(-500.0)], AccountingOptions())
    assert isinstance(result.meters, SiteMeters)
    assert result.meters.production_kw == 2.0
    assert result.dropped == ("device 1 (type 1) sent twice: counted once",)


def test_two_inverters_of_one_type_both_count():
    result = account([inverter(2.0, dev=1), inverter(3.0, dev=2), sensor(0.0)], AccountingOptions())
    assert isinstance(result.meters, SiteMeters)
    assert (result.meters.production_kw, result.meters.consumption_kw) == (5.0, 5.0)
    assert result.dropped == ()


def test_the_readings_order_does_not_change_the_site_meters():
    """Added in one order these three powers make 1.9815 kW, in the other 1.98149999...: a
    rounding apart. The same readings, in any order, give the same site meters."""
    readings = [inverter(0.2118, dev=1), inverter(0.8499, dev=2), inverter(0.9198, dev=3)]
    readings.append(sensor(0.0))
    first = account(readings, AccountingOptions()).meters
    again = account(list(reversed(readings)), AccountingOptions()).meters
    assert isinstance(first, SiteMeters) and isinstance(again, SiteMeters)
    assert (first.production_kw, again.production_kw) == (1.982, 1.982)


def test_an_inverter_asleep_at_night_is_asleep_for_the_pv_side_too():
    """A DC battery listed but not read (USE_BATTERY_DATA=false) takes production from the PV
    side: both inverters, asleep at their plant's night, produce nothing there as well."""
    devices = (Device(1, "", 1, "NE=1"), Device(2, "", 1, "NE=1"), Device(39, "", 39, "NE=1"))
    devices += (Device(47, "", 47, "NE=1"),)
    plants = [SitePlant("NE=1", devices=devices, sun_down=True)]
    options = AccountingOptions(use_battery=False, battery_coupling="dc")
    result = account([silent(1), silent(2), sensor(-350.0)], options, plants=plants)
    assert isinstance(result.meters, SiteMeters), result.meters
    assert (result.meters.production_kw, result.meters.consumption_kw) == (0.0, 0.35)


def test_no_meter_is_read_for_a_plant_whose_meter_does_not_count():
    """METER_PLANTS leaves the garage's meter out: once the home's meter gave a usable reading,
    no further meter type costs a call, though the garage has a power sensor unread."""
    home = SitePlant("NE=1", devices=(Device(1, "", 1, "NE=1"), Device(47, "", 47, "NE=1")))
    garage = (Device(2, "", 1, "NE=2"), Device(48, "", 47, "NE=2"))
    plants = [home, SitePlant("NE=2", devices=garage, meter_counts=False)]
    readings = [inverter(2.0), sensor(-500.0)]
    assert next_meter_type([], readings, AccountingOptions(), set(), plants) is None
    assert next_meter_type([], [inverter(2.0)], AccountingOptions(), set(), plants) == 47
