"""What a run reports (run/report.py): the metrics the no-push alarm and the dashboards read, and
the summary line's outcome that `make logs` and `make status` look for; and the alarm-mail check
after a run that did not push (aws/alarm_mail.py), which never fails the run."""

import json
from typing import Any

import pytest

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.aws.alarm_mail import CHECK_SECONDS, check_alarm_mail
from fusioncharge.errors import ChargeHqUnavailable, CredentialsRejected, PvOutputRejected
from fusioncharge.run import report as run_report
from fusioncharge.run.report import RUN, Metric, Summary
from fusioncharge.run.result import RunResult

METERS = SiteMeters(production_kw=2.5, consumption_kw=1.0, net_import_kw=-1.5)


def named(result: RunResult) -> dict[tuple[str, str | None], float]:
    return {(m.name, m.sink): m.value for m in run_report.metrics(result)}


def test_a_pushed_run_counts_one_push_and_reports_its_site_meters():
    result = RunResult(pushed=True, site_meters=METERS, fusionsolar_calls=3, logins=1)
    found = named(result)
    assert found[("Pushes", None)] == 1
    assert found[("FusionSolarCalls", None)] == 3 and found[("Logins", None)] == 1
    assert found[("ProductionKw", None)] == 2.5 and found[("NetImportKw", None)] == -1.5
    assert ("Failures", None) not in found and ("BatterySoc", None) not in found
    summary = run_report.summary(result)
    assert summary.level == "info" and summary.fields[RUN] == "pushed"
    assert summary.fields["site_meters"] == METERS.as_dict()


def test_a_failed_run_that_told_chargehq_counts_no_push():
    error = CredentialsRejected("the password was rejected")
    result = RunResult(pushed=True, error=error, told="x", site_meters=METERS)
    found = named(result)
    assert found[("Pushes", None)] == 0  # the alarm sees a 0, not a gap
    assert found[("Failures", None)] == 1 and found[("ErrorPushes", None)] == 1
    assert ("ProductionKw", None) not in found
    summary = run_report.summary(result)
    assert summary.level == "error"
    assert summary.fields == {"error_code": error.code, RUN: "failed"}


def test_a_skipped_run_is_a_warning_with_no_site_meters():
    result = RunResult(skipped="inside Huawei's 5-minute window", site_meters=METERS)
    assert ("ProductionKw", None) not in named(result)
    summary = run_report.summary(result)
    assert (summary.level, summary.fields) == ("warning", {RUN: "skipped"})


def test_per_sink_metrics_only_with_several_sinks():
    one = RunResult(pushed=True, sinks={"chargehq": "ok"})
    assert [m for m in run_report.metrics(one) if m.sink is not None] == []
    several = RunResult(
        pushed=True,
        error=ChargeHqUnavailable("503"),
        sinks={"chargehq": "FAILED", "hass": "ok"},
        sink_errors={"chargehq": "chargehq_unavailable"},
    )
    found = named(several)
    assert found[("SinkPushes", "chargehq")] == 0 and found[("SinkFailures", "chargehq")] == 1
    assert found[("SinkPushes", "hass")] == 1 and ("SinkFailures", "hass") not in found
    assert run_report.summary(several).fields["sink_errors"] == {"chargehq": "chargehq_unavailable"}


class Clients:
    """The boto3 clients check_alarm_mail asks for, by service: AWS out of reach."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, service: str) -> Any:
        self.asked.append(service)
        raise ConnectionError("no route to AWS")


ALARM = {"ALARM_ARN": "arn:aws:cloudwatch:x:1:alarm:a", "ALARM_TOPIC_ARN": "arn:aws:sns:x:1:t"}


def test_the_alarm_mail_is_left_alone_without_an_alarm_or_time():
    clients = Clients()
    check_alarm_mail({}, 60.0, clients, now=0.0)  # no AlarmEmail, or a local run
    check_alarm_mail(ALARM, CHECK_SECONDS - 0.1, clients, now=0.0)  # its five calls would not fit
    assert clients.asked == []


def test_aws_trouble_in_the_alarm_check_never_fails_the_run(caplog):
    clients = Clients()
    check_alarm_mail(ALARM, CHECK_SECONDS, clients, now=0.0)
    assert clients.asked == ["cloudwatch"]
    assert "could not check the alarm's mail subscription" in caplog.text


@pytest.mark.parametrize(
    ("sinks", "pushes"),
    [
        ({"chargehq": "ok", "hass": "ok", "pvoutput": "FAILED"}, 1),  # PVOutput: no charger
        ({"chargehq": "ok", "hass": "FAILED"}, 0),  # one charging receiver got nothing
        ({"chargehq": "FAILED", "hass": "ok"}, 0),  # ChargeHQ gone while hass works: told
        ({"pvoutput": "waiting"}, 1),  # PVOutput's hourly limit: waiting on purpose
        ({"pvoutput": "FAILED", "logbook": "ok"}, 0),  # no charging sink: every one counts
    ],
)
def test_the_no_push_alarm_counts_a_run_only_when_every_charging_receiver_got_it(sinks, pushes):
    result = RunResult(pushed=True, sinks=sinks, site_meters=METERS)
    assert named(result)[("Pushes", None)] == pushes


# run/report.py's promises with every metric and field written out: what the no-push alarm,
# the dashboards and `make status` read from one run.

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
