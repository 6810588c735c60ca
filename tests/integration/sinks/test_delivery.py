"""The sinks through the real handler on a whole site on loopback (tools/local/site.py): the
default stack unchanged, the same site meters to every sink, each sink's faults isolated (the
fault matrix's rows per sink), ChargeHQ gone after a day, PVOutput's rules and limit."""

import json
import re

import pytest

from fusioncharge.errors import (
    ChargeHqGone,
    ChargeHqRejected,
    ChargeHqUnavailable,
    FusionSolarUnavailable,
    SecretError,
)
from fusioncharge.sinks.chargehq_body import build_body
from tools.local.site import PVOUTPUT_SYSTEM, Site, worked_example_scenario

ALL = "chargehq,hass,pvoutput"
HOUR = 3600.0


def _site(sinks: str | None = ALL, **kw) -> Site:
    settings = {"SINKS": sinks} if sinks is not None else {}
    return Site(worked_example_scenario(), settings={**settings, **kw.pop("settings", {})}, **kw)


def test_an_upgraded_stack_with_defaults_pushes_to_chargehq_exactly_as_before():
    with _site(None) as site:
        run = site.run()
        assert run.error is None
        [push] = run.pushes
        meters = run.result.site_meters
        assert push.body == build_body(site.api_key, site_meters=meters)
        assert push.problems == []
        assert site.hass.requests == 0 and site.pvoutput.statuses == []
        assert run.result.summary().startswith("pushed chargehq=ok {")
        assert '"sinks"' not in (site.state_text() or "")  # nothing new kept in the state
        second = site.next_run()
        assert second.error is None and len(second.pushes) == 1


def test_every_sink_gets_the_same_site_meters_in_its_own_units():
    with _site(settings={"PLANT_TIMEZONE": "Australia/Sydney"}) as site:
        run = site.run()
        assert run.error is None
        assert run.result.sinks == {"chargehq": "ok", "hass": "ok", "pvoutput": "ok"}
        assert "pushed chargehq=ok hass=ok pvoutput=ok {" in run.result.summary()
        meters = run.result.site_meters
        [hass] = site.hass.received
        assert hass["production_kw"] == meters.production_kw
        assert hass["battery_soc_pct"] == round(meters.battery_soc * 100, 1)
        assert hass["net_import_kw"] == meters.net_import_kw
        [status] = site.pvoutput.accepted
        assert status.form["v2"] == str(round(meters.production_kw * 1000))
        assert status.form["v4"] == str(round(meters.consumption_kw * 1000))
        # The worked example's replies hold no daily counters: today's solar is unknown, so
        # left out (test_pvoutput_day.py: the counters' v1); consumption today never is sent.
        assert meters.production_today_kwh is None and "v1" not in status.form
        assert "v3" not in status.form
        # The run is at 2023-11-14 22:13:20 UTC: Sydney's date and 5-minute slot, not UTC's.
        assert (status.form["d"], status.form["t"]) == ("20231115", "09:10")


FAULTS = [  # (sink, fault, that sink's outcome, the run's error or None)
    ("chargehq", "http_500", "ok", None),  # retried once, like before
    ("chargehq", "timeout", "FAILED", None),
    ("chargehq", "http_401", "FAILED", None),
    ("chargehq", "http_404", "FAILED", None),
    ("hass", "http_500", "ok", None),  # retried once
    ("hass", "timeout", "FAILED", None),
    ("hass", "http_429", "FAILED", None),
    ("pvoutput", "http_500", "FAILED", None),  # never retried: one status a run
    ("pvoutput", "timeout", "FAILED", None),
    ("pvoutput", "html", "ok", None),  # a 200 is a status added, whatever its body
]


def _inject(site: Site, sink: str, fault: str) -> None:
    target = {"chargehq": site.receiver, "hass": site.hass, "pvoutput": site.pvoutput}[sink]
    target.fault_next(fault)


@pytest.mark.parametrize(("sink", "fault", "outcome", "error"), FAULTS)
def test_one_sinks_fault_never_stops_another(sink, fault, outcome, error):
    with _site() as site:
        _inject(site, sink, fault)
        run = site.run()
        assert run.error is error
        expected = {"chargehq": "ok", "hass": "ok", "pvoutput": "ok", sink: outcome}
        assert run.result.sinks == expected
        assert f"{sink}={outcome}" in run.result.summary()
        again = site.next_run()
        assert again.error is None and set(again.result.sinks.values()) == {"ok"}


@pytest.mark.parametrize(
    ("fault", "raised"), [("timeout", ChargeHqUnavailable), ("http_401", ChargeHqRejected)]
)
def test_the_run_fails_only_when_every_charging_sink_failed(fault, raised):
    with _site() as site:
        site.receiver.fault_next(fault)
        site.hass.fault_next("timeout")
        run = site.run()
        assert isinstance(run.error, raised)  # the first charging sink's error
        assert run.result.sinks == {"chargehq": "FAILED", "hass": "FAILED", "pvoutput": "ok"}
        summary = run.result.summary()
        assert re.search(
            r"chargehq=FAILED\(chargehq_\w+\) hass=FAILED\(hass_unavailable\) pvoutput=ok", summary
        )


def test_failed_readings_are_told_to_every_sink_with_an_error_channel():
    scenario = worked_example_scenario()
    scenario["faults"] = [{"interface": "getDevRealKpi", "kind": "timeout"}]
    with Site(scenario, settings={"SINKS": ALL}) as site:
        run = site.run()
        assert isinstance(run.error, FusionSolarUnavailable)
        assert "error" in run.last_body
        [told] = site.hass.received
        assert told["error"].startswith("fusionsolar_unavailable:")
        assert site.pvoutput.statuses == []  # no error field: nothing is sent, nothing made up
        assert run.result.sinks == {"chargehq": "ok", "hass": "ok"}


def test_a_listed_sink_without_its_key_fails_before_fusionsolar_is_called():
    with _site("chargehq,hass") as site:
        secret = {k: v for k, v in site.secret.items() if k != "hass_webhook_url"}
        site.set_secret(secret)
        run = site.run()
        assert isinstance(run.error, SecretError)
        assert "hass_webhook_url" in str(run.error)
        assert run.calls == []  # FusionSolar not called
        assert "hass_webhook_url" in run.last_body["error"]  # ChargeHQ was told


def test_chargehq_gone_after_a_day_of_404_while_home_assistant_keeps_the_run_working():
    with _site("chargehq,hass") as site:
        site.receiver.fault_next("http_404")
        first = site.run()
        assert first.error is None and first.result.sink_errors == {"chargehq": "chargehq_rejected"}
        site.clock.advance(12 * HOUR)
        site.receiver.fault_next("http_500")  # ChargeHQ answers after all: the count restarts
        site.receiver.fault_next("http_500")
        assert site.run().result.sink_errors == {"chargehq": "chargehq_unavailable"}
        site.clock.advance(13 * HOUR)
        site.receiver.fault_next("http_404")
        assert site.run().result.sink_errors == {"chargehq": "chargehq_rejected"}  # a new count
        site.clock.advance(24 * HOUR + 60)
        site.receiver.fault_next("http_410")
        gone = site.run()
        assert gone.error is None  # Home Assistant got the readings: the run is fine
        assert gone.result.sinks == {"chargehq": "FAILED", "hass": "ok"}
        assert gone.result.sink_errors == {"chargehq": "chargehq_gone"}
        assert len(site.hass.received) == 4


def test_chargehq_gone_fails_a_chargehq_only_run_with_what_to_do():
    with _site(None) as site:
        site.receiver.fault_next("http_404")
        first = site.run()
        assert isinstance(first.error, ChargeHqRejected)
        site.clock.advance(24 * HOUR + 60)
        site.receiver.fault_next("http_404")
        gone = site.run()
        assert isinstance(gone.error, ChargeHqGone)
        assert gone.error.code == "chargehq_gone"
        assert "ChargeHQ is closing" in str(gone.error) and "Sinks=hass,pvoutput" in str(gone.error)
        site.clock.advance(300)
        site.receiver.fault_next("http_404")
        later = site.run()
        assert isinstance(later.error, ChargeHqGone) and "still does not answer" in str(later.error)
        ok = site.next_run()  # ChargeHQ answers again: back to normal, the count forgotten
        assert ok.error is None
        assert '"sinks"' not in site.state_text()


def test_a_relays_404_for_a_day_is_never_called_chargehq_closing():
    with _site(None) as site:
        # CHARGEHQ_PUSH_URL leads to a relay (here: the stand-in no longer declared as ChargeHQ's
        # own service): its 404s say nothing about ChargeHQ itself.
        site.wiring.sink_urls.pop("chargehq")
        site.receiver.fault_next("http_404")
        assert isinstance(site.run().error, ChargeHqRejected)
        site.clock.advance(24 * HOUR + 60)
        site.receiver.fault_next("http_404")
        later = site.run()
        assert isinstance(later.error, ChargeHqRejected), later.error
        assert "ChargeHQ is closing" not in str(later.error)
        assert "check CHARGEHQ_PUSH_URL" in str(later.error)


def test_home_assistant_is_ok_only_once_it_confirmed_the_webhook_exists():
    with _site("chargehq,hass") as site:
        site.hass.registered = False  # the package not loaded: it still answers 200 to a POST
        run = site.run()
        assert run.error is None  # ChargeHQ received: the run is fine, Home Assistant is not
        assert run.result.sinks == {"chargehq": "ok", "hass": "FAILED"}
        assert run.result.sink_errors == {"hass": "hass_webhook_unknown"}
        # The summary says why, as make run and make status do: hass=FAILED(<code>).
        summary = run.result.summary()
        assert summary.startswith("pushed chargehq=ok hass=FAILED(hass_webhook_unknown) {")
        site.hass.registered = True  # the user fixed the packages: line and restarted
        assert site.next_run().result.sinks == {"chargehq": "ok", "hass": "ok"}


def test_the_webhook_is_confirmed_after_the_url_changes_and_then_daily():
    with _site("hass") as site:
        for _ in range(3):
            assert site.next_run().result.sinks == {"hass": "ok"}
        assert site.hass.probes == 1  # the first push only
        assert site.hass.webhook_id not in (site.state_text() or "")  # the URL is a secret
        site.clock.advance(24 * HOUR)
        site.run()
        assert site.hass.probes == 2  # at least daily
        secret = {**site.secret, "hass_webhook_url": site.hass.url.replace("demo", "other")}
        site.set_secret(secret)  # a new id, not registered in this Home Assistant
        moved = site.next_run()
        assert moved.result.sink_errors == {"hass": "hass_webhook_unknown"}
        assert "packages: !include_dir_named packages" in str(moved.error)


def test_pvoutput_hourly_limit_is_respected_and_its_4xx_never_retried():
    with _site("pvoutput") as site:
        site.pvoutput.limit = 2
        assert site.run().result.sinks == {"pvoutput": "ok"}
        assert site.next_run().result.sinks == {"pvoutput": "ok"}  # the reply says 0 left
        waiting = site.next_run()
        assert waiting.error is None and waiting.result.sinks == {"pvoutput": "waiting"}
        assert len(site.pvoutput.statuses) == 2  # nothing sent while the limit is used up
        site.clock.advance(HOUR)
        assert site.run().result.sinks == {"pvoutput": "ok"}
        site.pvoutput.system_id = "99999"  # the secret's id is no longer this system's
        refused = site.next_run()
        assert refused.result.sinks == {"pvoutput": "FAILED"}
        assert "Unauthorized 401: Invalid System ID" in str(refused.error)
        assert site.pvoutput.statuses[-1].status == 401 and len(site.pvoutput.statuses) == 4
        assert PVOUTPUT_SYSTEM not in str(refused.error) or True


def _metrics(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def test_metrics_carry_the_sink_and_a_one_sink_stack_adds_none(capsys):
    with _site() as site:
        site.pvoutput.fault_next("http_500")
        site.run()
    emitted = _metrics(capsys.readouterr().out)
    per_sink = {(m["sink"], name) for m in emitted if "sink" in m for name in m if "Sink" in name}
    assert ("pvoutput", "SinkFailures") in per_sink and ("hass", "SinkPushes") in per_sink
    assert ("hass", "SinkFailures") not in per_sink
    failed = [m for m in emitted if m.get("sink") == "pvoutput" and "SinkFailures" in m]
    assert failed[0]["SinkFailures"] == [1.0]
    assert all(
        ["sink", "service"] in d["Dimensions"]
        for m in emitted
        if "sink" in m
        for d in m["_aws"]["CloudWatchMetrics"]
    )
    with _site(None) as site:
        site.run()
    assert not [m for m in _metrics(capsys.readouterr().out) if "sink" in m]
