"""The emulated plant's day as pure functions of the clock."""

import itertools

import pytest

from emulator.fusionsolar.daycurve import SLOT_SECONDS, PlantParams, plant_state
from emulator.fusionsolar.devicedata import data_item_map

MIDNIGHT = 1_699_920_000  # 2023-11-14T00:00:00Z
DAY = [MIDNIGHT + n * SLOT_SECONDS for n in range(288)]


def test_the_same_time_gives_the_same_plant():
    assert plant_state(MIDNIGHT + 43_210) == plant_state(MIDNIGHT + 43_210)


@pytest.mark.parametrize("params", [PlantParams(), PlantParams(capacity_kwp=18, has_battery=False)])
def test_every_slot_balances_power_and_respects_limits(params):
    for t in DAY:
        s = plant_state(t, params)
        assert s.inverter_ac_kw == pytest.approx(s.pv_kw - s.battery_kw)
        assert s.grid_export_kw == pytest.approx(s.inverter_ac_kw - s.load_kw)
        assert s.pv_kw >= 0
        assert 0.3 <= s.load_kw <= 3.5
        assert abs(s.battery_kw) <= 5.0
        if params.has_battery:
            assert 5 <= s.soc <= 100
        else:
            assert s.battery_kw == 0


def test_the_sun_shines_by_day_only_and_peaks_near_7_kw():
    pv = [plant_state(t).pv_kw for t in DAY]
    assert max(pv) == pytest.approx(6.5, abs=0.6)
    assert pv[0] == pv[60] == pv[-1] == 0  # midnight, 05:00, 23:55
    assert pv[144] > 5  # noon


def test_the_battery_charges_from_surplus_and_covers_the_evening():
    assert plant_state(MIDNIGHT + 10 * 3600).battery_kw > 1  # morning surplus
    evening = plant_state(MIDNIGHT + 20 * 3600)
    assert evening.battery_kw < -1
    assert evening.grid_export_kw == pytest.approx(0)  # the battery covers the whole load


def test_soc_and_counters_carry_over_midnight():
    before, after = plant_state(MIDNIGHT - 1), plant_state(MIDNIGHT)
    assert after.soc == pytest.approx(before.soc, abs=0.5)
    assert after.export_total_kwh >= before.export_total_kwh
    assert after.import_total_kwh == pytest.approx(before.import_total_kwh, abs=0.05)
    assert after.day_yield_kwh == 0


def test_counters_never_go_down_over_two_days():
    states = [plant_state(MIDNIGHT + n * 900) for n in range(2 * 96)]
    for earlier, later in itertools.pairwise(states):
        assert later.export_total_kwh >= earlier.export_total_kwh
        assert later.import_total_kwh >= earlier.import_total_kwh
        assert later.total_yield_kwh >= earlier.total_yield_kwh


def test_utc_offset_moves_noon():
    east = PlantParams(utc_offset_hours=10)  # local noon is 02:00 UTC
    assert plant_state(MIDNIGHT + 2 * 3600, east).pv_kw > 5
    assert plant_state(MIDNIGHT + 14 * 3600, east).pv_kw == 0


def test_device_items_use_huawei_units():
    s = plant_state(MIDNIGHT + 13 * 3600)
    assert data_item_map(38, s)["active_power"] == round(s.inverter_ac_kw, 3)  # kW
    assert data_item_map(47, s)["active_power"] == round(s.grid_export_kw * 1000)  # W
    # Today's service (SmartPVMS 24.7.0+): the grid meter in W; the EMMA in kW with + = import.
    assert data_item_map(17, s)["active_power"] == round(s.grid_export_kw * 1000)  # W
    emma = data_item_map(23070, s)
    assert emma["active_power"] == round(-s.grid_export_kw, 3)  # kW, + = import
    assert emma["active_cap"] == round(s.import_total_kwh, 2)  # the import counter
    assert emma["reverse_active_cap"] == round(s.export_total_kwh, 2)
    assert data_item_map(39, s)["ch_discharge_power"] == round(s.battery_kw * 1000)  # W
    assert data_item_map(62, s) == {}


def test_two_inverters_share_the_plant():
    s = plant_state(MIDNIGHT + 12 * 3600)
    assert data_item_map(1, s, share=0.5)["active_power"] == pytest.approx(
        s.inverter_ac_kw / 2, abs=0.001
    )
