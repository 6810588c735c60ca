"""run/report.py's promises with every metric and field written out: what the no-push alarm,
the dashboards and `make status` read from one run."""

import json

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.errors import ChargeHqUnavailable, CredentialsRejected, PvOutputRejected
from fusioncharge.run import report as run_report
from fusioncharge.run.report import Metric, Summary
from fusioncharge.run.result import RunResult

FULL = SiteMeters(
    production_kw=2.5,
    net_import_kw=-1.0,
    consumption_kw=1.5,
    battery_discharge_kw=-0.5,
    battery_soc=0.62,
)


def test_a_pushed_run_gives_each_metric_once_in_order():
    result = RunResult(
        pushed=True,
        site_meters=FULL,
        fusionsolar_calls=3,
        logins=1,
        implausible_readings=2,
        meter_direction_suspect=True,
    )
    assert run_report.metrics(result) == [
        Metric("FusionSolarCalls", 3),
        Metric("Logins", 1),
        Metric("ImplausibleReadings", 2),
        Metric("MeterDirectionSuspect", 1),
        Metric("Pushes", 1),
        Metric("ProductionKw", 2.5, "None"),
        Metric("ConsumptionKw", 1.5, "None"),
        Metric("NetImportKw", -1.0, "None"),
        Metric("BatteryDischargeKw", -0.5, "None"),
        Metric("BatterySoc", 0.62, "None"),
    ]


def test_a_dry_run_pushes_nothing_and_says_so():
    result = RunResult(pushed=False, site_meters=FULL)
    assert Metric("Pushes", 0) in run_report.metrics(result)
    assert not run_report.pushed_site_meters(result)
    assert run_report.summary(result).fields["run_outcome"] == "dry_run"


def test_a_sink_that_waited_is_not_a_push_and_not_a_failure():
    """Per sink, SinkPushes is 1 only for a receiver that confirmed receipt ("ok"): one that
    waited (PVOutput between its 5-minute slots) pushed nothing and failed nothing."""
    result = RunResult(
        pushed=True,
        site_meters=SiteMeters(production_kw=1.0),
        sinks={"chargehq": "ok", "pvoutput": "waiting", "hass": "FAILED"},
        sink_errors={"hass": "hass_unavailable"},
    )
    per_sink = [m for m in run_report.metrics(result) if m.sink is not None]
    assert per_sink == [
        Metric("SinkPushes", 1, sink="chargehq"),
        Metric("SinkPushes", 0, sink="pvoutput"),
        Metric("SinkPushes", 0, sink="hass"),
        Metric("SinkFailures", 1, sink="hass"),
    ]
    fields = run_report.summary(result).fields
    assert fields["sinks"] == {"chargehq": "ok", "pvoutput": "waiting", "hass": "FAILED"}
    assert fields["sink_errors"] == {"hass": "hass_unavailable"}


def test_two_sinks_are_several():
    two = RunResult(pushed=True, sinks={"chargehq": "ok", "pvoutput": "ok"})
    assert [m.sink for m in run_report.metrics(two) if m.sink] == ["chargehq", "pvoutput"]


def test_a_failed_run_says_its_error_its_sinks_and_where_the_plant_is():
    error = ChargeHqUnavailable("503")
    result = RunResult(
        pushed=False,
        error=error,
        sinks={"chargehq": "FAILED", "pvoutput": "ok"},
        sink_errors={"chargehq": "chargehq_unavailable"},
        plant_notices=["the plant's place and clock are unknown"],
    )
    summary = run_report.summary(result)
    assert summary == Summary(
        "error",
        result.summary(),
        {
            "error_code": "chargehq_unavailable",
            "run_outcome": "failed",
            "sinks": {"chargehq": "FAILED", "pvoutput": "ok"},
            "sink_errors": {"chargehq": "chargehq_unavailable"},
            "plant_notices": ["the plant's place and clock are unknown"],
        },
    )
    assert Metric("Failures", 1) in run_report.metrics(result)
    assert Metric("ErrorPushes", 1) not in run_report.metrics(result)  # nothing was pushed


def test_a_pushed_run_names_the_plants_notices_and_a_run_with_none_has_no_such_field():
    noticed = RunResult(pushed=True, site_meters=FULL, plant_notices=["PLANT_LOCATION doubted"])
    assert run_report.summary(noticed).fields == {
        "run_outcome": "pushed",
        "site_meters": FULL.as_dict(),
        "plant_notices": ["PLANT_LOCATION doubted"],
    }
    failed = RunResult(error=CredentialsRejected("no"))
    assert "plant_notices" not in run_report.summary(failed).fields


def test_an_error_push_is_no_push_of_site_meters():
    result = RunResult(pushed=True, told="x", error=PvOutputRejected("401"))
    assert not run_report.pushed_site_meters(result)
    assert Metric("ErrorPushes", 1) in run_report.metrics(result)


def test_every_metric_value_is_a_number_in_the_json_cloudwatch_reads():
    """Embedded metrics are JSON: a bool would go out as `true`, which CloudWatch drops."""
    result = RunResult(
        pushed=True,
        site_meters=FULL,
        sinks={"chargehq": "ok", "pvoutput": "waiting"},
    )
    values = [json.dumps(m.value) for m in run_report.metrics(result)]
    assert "true" not in values and "false" not in values
    pushes = [json.dumps(m.value) for m in run_report.metrics(result) if "Pushes" in m.name]
    assert pushes == ["1", "1", "0"]
