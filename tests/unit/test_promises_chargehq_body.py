"""The ChargeHQ-shaped body's promises written out: tsms a whole number of milliseconds, a copy
without a key copied as it is, and the body a run shows (the last line of `make run`, the
handler's reply): the error told wins, apiKey always ***."""

import json

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.sinks.chargehq_body import build_body, masked, shown_body

METERS = SiteMeters(production_kw=2.5, net_import_kw=-1.0, consumption_kw=1.5)


def test_tsms_goes_as_a_whole_number_of_milliseconds_whatever_its_type_was():
    read = SiteMeters(production_kw=1.0, tsms=1_700_000_000_123.0)  # type: ignore[arg-type]
    body = build_body("k", site_meters=read)
    assert '"tsms": 1700000000123}' in json.dumps(body)


def test_a_body_without_a_key_is_copied_as_it_is():
    assert masked({"error": "inverter offline"}) == {"error": "inverter offline"}
    assert masked({"apiKey": None, "error": "x"}) == {"apiKey": "***", "error": "x"}


def test_the_shown_body_is_the_error_told_masked():
    assert shown_body(None, "FusionSolar refused the login") == {
        "apiKey": "***",
        "error": "FusionSolar refused the login",
    }
    assert shown_body(METERS, "no battery reading") == {
        "apiKey": "***",
        "error": "no battery reading",
    }


def test_the_shown_body_is_the_site_meters_masked_when_nothing_was_told():
    assert shown_body(METERS, None) == {
        "apiKey": "***",
        "siteMeters": {"production_kw": 2.5, "net_import_kw": -1.0, "consumption_kw": 1.5},
    }
    assert shown_body(None, None) is None
