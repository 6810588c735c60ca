"""Real replies from public threads (tests/fixtures/public-captures, see its SOURCES.md) through
the parser and the accounting. The files are kept exactly as published: some are Python reprs,
JavaScript literals or cut off; each is loaded as far as it is loadable.
"""

import ast
import json
import re
from pathlib import Path

import pytest

from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
)
from fusioncharge.errors import QuotaExceeded
from fusioncharge.fusionsolar import parse, replies
from fusioncharge.models import Device, Reading

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "public-captures"
T = 1_788_364_500_000


def text(name: str) -> str:
    return (CAPTURES / name).read_text(encoding="utf-8")


def pyrepr(name: str) -> dict:
    return ast.literal_eval(text(name).strip())


def js_object(source: str) -> dict:
    """A JavaScript object literal of numbers: quote the keys, drop a trailing comma."""
    body = re.sub(r"//[^\n]*", "", source)
    body = re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', body)
    return json.loads(re.sub(r",\s*}", "}", body))


def js_const(name: str, const: str) -> dict:
    found = re.search(rf"const {const}\s*=\s*(\{{.*?\}});", text(name), re.S)
    assert found, const
    return js_object(found.group(1))


def data_item_map(name: str) -> dict:
    """The dataItemMap of a capture whose outer JSON is not valid (redacted ids)."""
    found = re.search(r'"dataItemMap":\s*(\{[^{}]*\})', text(name))
    assert found
    return json.loads(found.group(1))


def cut_off_map(name: str) -> dict:
    """A dataItemMap cut off mid-way: the complete pairs before the cut."""
    start = text(name).index('"dataItemMap":') + len('"dataItemMap":')
    partial = text(name)[start:]
    return json.loads(partial[: partial.rindex(",")] + "}")


def reading(type_id: int, items: dict, dev: int = 1) -> Reading:
    return parse.reading(dev, type_id, items, T)


def inverter(kw: float) -> Reading:
    return reading(38, {"active_power": kw, "inverter_state": 512.0}, dev=100)


def site(*readings: Reading, **options) -> SiteMeters:
    result = account(readings, AccountingOptions(**options)).meters
    assert isinstance(result, SiteMeters), result
    return result


def test_the_emma_reading_is_kw_with_plus_meaning_import():
    emma = js_const("getDevRealKpi-emma23070-dataItemMap-homey-2026-09-02.js.txt", "EMMA_KPI")
    meters = site(inverter(2.0), reading(23070, emma))
    assert meters.net_import_kw == -1.319  # the portal showed about 1.38 kW exported
    assert (meters.imported_kwh, meters.exported_kwh) == (5298.26, 912.84)
    assert meters.consumption_kw == 0.681


def test_the_emma_left_out_by_its_setting():
    emma = js_const("getDevRealKpi-emma23070-dataItemMap-homey-2026-09-02.js.txt", "EMMA_KPI")
    assert site(inverter(2.0), reading(23070, emma), use_emma=False).net_import_kw is None


def test_the_battery_at_1_percent_is_1_percent():
    items = data_item_map("getDevRealKpi-battery39-blazejosp19.json")
    meters = site(inverter(0.5), reading(39, items))
    assert meters.battery_soc == 0.01  # never 100 %
    assert meters.battery_discharge_kw == -0.024  # 24 W charging


def test_the_hybrid_at_night_produces_nothing_from_the_sun():
    night = js_const("getDevRealKpi-hybrid38-night-battery-discharge-homey.js.txt", "NIGHT_2215")
    battery = reading(39, {"ch_discharge_power": -2350.0, "battery_soc": 40.0}, dev=2)
    meters = site(reading(38, night), battery)
    assert (meters.production_kw, meters.battery_discharge_kw) == (0.0, 2.35)


@pytest.mark.parametrize("capture", ["NIGHT_2215", "NIGHT_2333"])
def test_the_hybrid_at_night_without_battery_data_produces_nothing(capture):
    """USE_BATTERY_DATA=false (README's advice when the battery sends nothing) once pushed the
    battery's discharge as 2.35 kW of solar at 22:15."""
    night = js_const("getDevRealKpi-hybrid38-night-battery-discharge-homey.js.txt", capture)
    battery = reading(39, {"ch_discharge_power": -2350.0, "battery_soc": 40.0}, dev=2)
    meters = site(reading(38, night), battery, use_battery=False)
    assert meters.production_kw == 0.0 and meters.battery_discharge_kw is None


def test_the_hybrid_whose_battery_is_listed_but_not_read_produces_only_its_pv():
    """The battery type unserved this run, or left out of the readings: the device list still
    names it, so the AC output is not taken for solar."""
    day = js_const("getDevRealKpi-hybrid38-night-battery-discharge-homey.js.txt", "DAY")
    night = js_const("getDevRealKpi-hybrid38-night-battery-discharge-homey.js.txt", "NIGHT_2215")
    devices = (Device(100, "", 38, "NE=1"), Device(2, "", 39, "NE=1"))
    plant = [SitePlant("NE=1", devices=devices)]
    for items, pv in ((night, 0.0), (day, 3.041)):
        result = account([reading(38, items, dev=100)], AccountingOptions(), plants=plant)
        assert isinstance(result.meters, SiteMeters), result.meters
        assert result.meters.production_kw == pv


def test_the_power_sensor_capture_is_a_small_import():
    items = cut_off_map("getDevRealKpi-powersensor47-tijs47.partial.txt")
    meters = site(inverter(1.0), reading(47, items))
    assert (meters.net_import_kw, meters.imported_kwh, meters.exported_kwh) == (
        0.003,
        1454.08,
        56.11,
    )


@pytest.mark.parametrize(
    ("watts", "net_import"),
    [
        (4600.0, -4.6),  # a single-phase 5 kW inverter exporting on phase B
        (-7400.0, 7.4),  # an EV charging 7.4 kW on phase B at night
    ],
)
def test_an_unbalanced_home_keeps_its_grid_reading(watts, net_import):
    """The captured sensor's meter_u/meter_i (234.1 V, 1.48 A) are one phase: three times that
    phase's V·I once dropped these true readings as implausible, every run."""
    items = {**cut_off_map("getDevRealKpi-powersensor47-tijs47.partial.txt"), "active_power": watts}
    meters = site(inverter(0.0), reading(47, items))
    assert meters.net_import_kw == net_import


def test_per_phase_values_still_bound_a_meter():
    """A meter that reports every phase: Σ V·I over them bounds its power, whatever the phase."""
    phases = {"a_u": 230.0, "b_u": 231.0, "c_u": 229.0, "a_i": 0.5, "b_i": 32.0, "c_i": 0.4}
    ev = reading(
        17, {**phases, "active_power": -7400.0, "active_cap": 1.0, "reverse_active_cap": 2.0}
    )
    assert site(inverter(0.0), ev).net_import_kw == 7.4
    overflow = reading(17, {**phases, "active_power": -65_000.0, "active_cap": 1.0})
    assert site(inverter(0.0), overflow).net_import_kw is None


def test_the_string_inverter_capture_is_plausible():
    name = "getDevRealKpi-stringinverter1-olibos1.partial.pyrepr.txt"
    start = text(name).index("{")
    partial = text(name)[start:]
    items = ast.literal_eval(partial[: partial.rindex(",")] + "}")
    assert site(reading(1, items)).production_kw == 1.432


def test_an_empty_reply_is_no_reading_never_zero():
    envelope = pyrepr("getDevRealKpi-wrong-devid-empty-olibos3.pyrepr.txt")
    assert replies.fail_code(envelope) == 0 and parse.readings(envelope, 1) == []
    missing = Reading(7, 39)  # what the client hands on for a device left out of the reply
    result = account([inverter(1.0), missing], AccountingOptions()).meters
    assert isinstance(result, NoSiteMeters)
    assert "device-data permission" in result.reason and "USE_BATTERY_DATA=false" in result.reason


def test_20006_and_305_without_success():
    assert (
        replies.fail_code(pyrepr("getDevRealKpi-wrong-devtype-20006-olibos3.pyrepr.txt")) == 20006
    )
    expired = json.loads(text("any-token-expired-305-olibos3.json"))
    assert "success" not in expired
    assert replies.fail_code(expired) in replies.RELOGIN_CODES


@pytest.mark.parametrize("status", [400, 403, 500])
def test_the_gateway_quota_body_is_a_quota_refusal(status):
    raw = json.dumps(pyrepr("getDevRealKpi-gateway-quota-rejected-olibos1.pyrepr.txt")).encode()
    assert isinstance(replies.status_error("getDevRealKpi", status, raw), QuotaExceeded)


def test_the_2025_login_body_with_a_message_is_a_success():
    envelope = replies.decode_envelope(
        "login", 200, text("login-success-2025-with-message-tijs265.json").encode()
    )
    assert envelope["message"] and replies.fail_code(envelope) == 0


def test_a_device_sent_twice_counts_once():
    twice = [inverter(2.4), parse.reading(100, 38, {"active_power": 2.4, "inverter_state": 512}, T)]
    accounting = account(twice, AccountingOptions())
    assert accounting.meters.production_kw == 2.4  # not 4.8
    assert accounting.dropped == ("device 100 (type 38) sent twice: counted once",)
    listed = [{"id": 11, "devTypeId": 38}, {"id": "11", "devTypeId": 38}]
    assert len(parse.devices(listed)) == 1
