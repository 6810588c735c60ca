"""site_meters.py's own promises (docs/accounting.md): a device sent twice counts once, each
inverter of a type counts, and an inverter asleep at night is asleep for every sum that reads
it (production from the AC side and from the PV side alike)."""

from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    SiteMeters,
    SitePlant,
    account,
    next_meter_type,
)
from fusioncharge.models import Device, Reading
from tests.support.readings import T, inverter, sensor


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
