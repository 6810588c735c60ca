"""PVOutput's rules written out: the system id a whole number (never 12345.0 or true), the time
zone named as a user knows it, PVOutput's words for a refused date, and v1 from the counters:
rounded to the Wh, left out when the counters are unknown."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.sinks.pvoutput import refused_date, status_form, system_id, zone_name


@pytest.mark.parametrize(
    ("value", "text"), [(12345, "12345"), (" 42 ", "42"), ("7", "7"), (1, "1")]
)
def test_a_system_id_is_a_whole_number_in_quotes_or_not(value, text):
    assert system_id(value) == text


@pytest.mark.parametrize("value", [0, -3, True, False, 12345.0, "12345.0", "", "  ", "abc", None])
def test_anything_else_is_refused_saying_what_it_must_be(value):
    with pytest.raises(ValueError, match="whole number PVOutput shows as System Id"):
        system_id(value)


def test_the_zone_is_named_as_a_user_knows_it():
    assert zone_name(ZoneInfo("Europe/Amsterdam")) == "Europe/Amsterdam"
    fixed = timezone(timedelta(hours=10))
    assert zone_name(fixed) == "the fixed offset UTC+10:00 (no daylight saving)"


@pytest.mark.parametrize(
    ("said", "why"),
    [
        ("Bad request 400: Date is in the future [20261025]", "in the future"),
        ("Bad request 400: Date [20261025] TOO NEW", "in the future"),
        ("Bad request 400: Future date", "in the future"),
        ("Bad request 400: Date is older than 14 days [20260101]", "too old"),
        ("Bad request 400: date too old", "too old"),
        ("Bad request 400: Invalid power value", None),
    ],
)
def test_pvoutputs_words_for_a_refused_date(said, why):
    found = refused_date(said)
    assert (found if found is None else found.split(" (")[0]) == why


def test_v1_is_the_counters_energy_today_in_wh_and_unknown_when_they_are():
    at = datetime(2026, 6, 15, 23, 59, 59, tzinfo=UTC).timestamp()
    form = status_form(SiteMeters(production_kw=0.0, production_today_kwh=0.0005), at, UTC)
    assert form == {"d": "20260615", "t": "23:55", "v1": "0", "v2": "0"}
    assert status_form(SiteMeters(production_kw=0.0015), at, UTC)["v2"] == "2"
    assert "v1" not in status_form(SiteMeters(production_kw=5.0), at, UTC)


def test_a_consumption_of_zero_is_sent_as_zero():
    form = status_form(SiteMeters(production_kw=1.0, consumption_kw=0.0), 0, UTC)
    assert form["v4"] == "0"
