"""What one run reports: its CloudWatch metrics and its one summary line (level and fields).

The handler hands them to Powertools (functions/poller/app.py); which metrics and fields a run
gives is decided here, from the RunResult, so the no-push alarm's input and `make status`'s
fields are plain data a test can read.
"""

from dataclasses import dataclass
from typing import Any

from fusioncharge.run.result import RunResult
from fusioncharge.sinks import OK, WAITING, registry

RUN = "run_outcome"  # marks the one summary line of each run (make logs, make status read it)
COUNT, NO_UNIT = "Count", "None"  # CloudWatch's units (Powertools' MetricUnit values)


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    unit: str = COUNT
    sink: str | None = None  # a per-sink metric: emitted alone, with the dimension `sink`


@dataclass(frozen=True)
class Summary:
    """The run's summary line: its level ("info", "warning", "error"), text and JSON fields."""

    level: str
    line: str
    fields: dict[str, Any]


def pushed_site_meters(result: RunResult) -> bool:
    """The run pushed site meters (not an `error` push, not a dry run) and every charging
    receiver it went to received them (with none configured, every receiver): the no-push
    alarm mails when any one of them has received nothing for 25-30 minutes, not only when
    all failed. A receiver waiting on purpose (PVOutput's hourly limit) is not a failure."""
    if not result.pushed or result.error is not None:
        return False
    counted = [n for n in result.sinks if registry.charging(n)] or list(result.sinks)
    return all(result.sinks[name] in (OK, WAITING) for name in counted)


def metrics(result: RunResult) -> list[Metric]:
    """The run's metrics, the per-sink ones (several sinks only) among them."""
    found = [
        Metric("FusionSolarCalls", result.fusionsolar_calls),
        Metric("Logins", result.logins),
        # Readings left out as not a measurement (overflow sentinels, SOC out of 0-100, ...).
        Metric("ImplausibleReadings", result.implausible_readings),
    ]
    if result.meter_direction_suspect:
        found.append(Metric("MeterDirectionSuspect", 1))
    # Every run that ends says whether it pushed, failed and skipped runs too: the no-push alarm
    # then sees a real 0 at once, not a gap that older pushes in its range would outweigh.
    # (A failed run that told the sinks its error pushed no site meters: 0 too; so is a run
    # that one charging receiver did not get.)
    found.append(Metric("Pushes", int(pushed_site_meters(result))))
    found += _sink_metrics(result.sinks)
    if result.error is not None:
        found.append(Metric("Failures", 1))
        if result.error_pushed:
            found.append(Metric("ErrorPushes", 1))
        return found
    meters = result.site_meters
    if result.skipped is None and meters is not None:
        for name, value in (
            ("ProductionKw", meters.production_kw),
            ("ConsumptionKw", meters.consumption_kw),
            ("NetImportKw", meters.net_import_kw),
            ("BatteryDischargeKw", meters.battery_discharge_kw),
            ("BatterySoc", meters.battery_soc),
        ):
            if value is not None:
                found.append(Metric(name, value, NO_UNIT))
    return found


def _sink_metrics(outcomes: dict[str, str]) -> list[Metric]:
    """With several sinks, per sink (dimension `sink`): SinkPushes 1/0 each run, SinkFailures 1
    when it failed. A stack with one sink adds no metric: Pushes and Failures say it all, and
    each metric beyond CloudWatch's free ten costs $0.30 a month."""
    if len(outcomes) < 2:
        return []
    found = []
    for sink, outcome in outcomes.items():
        found.append(Metric("SinkPushes", int(outcome == "ok"), sink=sink))
        if outcome == "FAILED":
            found.append(Metric("SinkFailures", 1, sink=sink))
    return found


def summary(result: RunResult) -> Summary:
    """One readable line per run; its fields say the outcome (RUN) for make logs and status."""
    plants = {"plant_notices": result.plant_notices} if result.plant_notices else {}
    if result.error is not None:
        fields = {"error_code": result.error.code, RUN: "failed", **_sink_fields(result)}
        return Summary("error", result.summary(), {**fields, **plants})
    if result.skipped is not None:
        return Summary("warning", result.summary(), {RUN: "skipped"})
    meters = result.site_meters
    outcome = {RUN: "pushed" if result.pushed else "dry_run"}
    fields = {**outcome, "site_meters": meters and meters.as_dict(), **_sink_fields(result)}
    return Summary("info", result.summary(), {**fields, **plants})


def _sink_fields(result: RunResult) -> dict[str, Any]:
    """Each sink's outcome and, when it failed, its error code (make status shows them)."""
    if not result.sinks:
        return {}
    return {"sinks": result.sinks, "sink_errors": result.sink_errors}
