"""The Home Assistant body's energies (the shared interfaces' names), each only when known."""

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.sinks.hass import hass_body

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
