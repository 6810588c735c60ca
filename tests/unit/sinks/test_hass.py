"""The Home Assistant body's energies (the shared interfaces' names), each only when known."""

import math

import pytest

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.sinks.hass import HassSink, hass_body, webhook_url

TSMS = 1_788_364_500_000


def test_todays_energies_go_by_their_promised_names():
    meters = SiteMeters(
        production_kw=6.738,
        tsms=TSMS,
        production_today_kwh=33.38,
        production_total_kwh=47413.21,
        battery_charged_today_kwh=13.12,
        battery_discharged_today_kwh=4.53,
    )
    body = hass_body(meters, sent_ms=1)
    assert body == {
        "production_kw": 6.738,
        "production_today_kwh": 33.38,
        "battery_charged_today_kwh": 13.12,
        "battery_discharged_today_kwh": 4.53,
        "tsms": TSMS,
    }


def test_an_unknown_energy_is_left_out_never_zero():
    meters = SiteMeters(production_kw=0.0, tsms=TSMS, battery_charged_today_kwh=0.0)
    body = hass_body(meters, sent_ms=1)
    assert body["battery_charged_today_kwh"] == 0.0  # a known zero is a zero
    assert "production_today_kwh" not in body
    assert "battery_discharged_today_kwh" not in body


# Home Assistant's body written out: every field under its unit's name, the battery's sign as
# the package reads it (positive = discharging, negative = charging: the site meters' own sign,
# not converted), the state of charge in %, and the webhook's check.

CHARGING = SiteMeters(
    production_kw=4.2,
    net_import_kw=-0.3,
    consumption_kw=1.4,
    imported_kwh=583.08,
    exported_kwh=322.32,
    battery_discharge_kw=-2.5,
    battery_soc=0.4567,
    battery_energy_kwh=10.0,
    tsms=1_781_520_000_000,
    production_today_kwh=12.5,
    production_total_kwh=8123.4,
    battery_charged_today_kwh=3.25,
    battery_discharged_today_kwh=1.75,
)


def test_every_known_field_goes_under_its_units_name_and_a_charging_battery_is_negative():
    assert hass_body(CHARGING, sent_ms=1) == {
        "production_kw": 4.2,
        "consumption_kw": 1.4,
        "net_import_kw": -0.3,
        "battery_discharge_kw": -2.5,
        "imported_kwh": 583.08,
        "exported_kwh": 322.32,
        "battery_energy_kwh": 10.0,
        "production_today_kwh": 12.5,
        "battery_charged_today_kwh": 3.25,
        "battery_discharged_today_kwh": 1.75,
        "battery_soc_pct": 45.7,
        "tsms": 1_781_520_000_000,
    }


def test_a_discharging_battery_is_positive_and_the_body_holds_numbers_only():
    body = hass_body(SiteMeters(production_kw=0, battery_discharge_kw=1.5, battery_soc=1.0), 7)
    assert body == {
        "production_kw": 0.0,
        "battery_discharge_kw": 1.5,
        "battery_soc_pct": 100.0,
        "tsms": 7,
    }
    assert type(body["production_kw"]) is float and type(body["tsms"]) is int


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_value_that_is_not_a_number_is_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        hass_body(SiteMeters(production_kw=1.0, battery_soc=bad), 1)


def test_the_webhook_url_never_shows_in_the_sinks_repr():
    sink = HassSink("https://hooks.nabu.casa/gAAAAABsecretid", clock=None)  # type: ignore[arg-type]
    assert "secretid" not in repr(sink) and "***" in repr(sink)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://hooks.nabu.casa/abc", True),
        ("  https://home.example/api/webhook/abc  ", True),
        ("http://127.0.0.1:8123/api/webhook/abc", True),
        ("http://localhost:8123/api/webhook/abc", True),
        ("http://[::1]:8123/api/webhook/abc", True),
        ("http://home.example/api/webhook/abc", False),
        ("https://user:pw@home.example/api/webhook/abc", False),
        ("https:///api/webhook/abc", False),
        ("https://[::1/abc", False),
        ("ftp://home.example/abc", False),
        (12345, False),
    ],
)
def test_the_webhook_must_be_a_whole_https_address(value, ok):
    if ok:
        assert webhook_url(value) == value.strip()
    else:
        with pytest.raises(ValueError, match="whole https:// address"):
            webhook_url(value)
