"""Figures from the simulated days: counts, latency, and the inputs of the cost model."""

from typing import Any

from bench.cost import DayFigures
from bench.day_record import DayResult
from bench.targets import TWO_PLANT_TARGETS, check_targets
from bench.timing import percentile

QUOTA_KEYS = (
    "fusionsolar_calls_per_poll",
    "logins_per_day",
    "discovery_calls_per_day",
    "quota_refusals_per_day",
    "pushes_per_day",
)


def day_figures(day: DayResult) -> dict[str, Any]:
    """Counts of one simulated day, from the emulator's, the receiver's and botocore's records."""
    runs = len(day.runs)
    return {
        "runs_per_day": runs,
        "fusionsolar_calls_per_poll": round(day.calls() / runs, 3),
        "fusionsolar_calls_per_day": day.calls(),
        "logins_per_day": day.calls("login"),
        "discovery_calls_per_day": day.discovery_calls,
        "quota_refusals_per_day": day.calls(outcome="quota"),
        "pushes_per_day": day.runs_pushed,
        "error_pushes_per_day": day.error_pushes,
        "receiver_problems": len(day.receiver_problems),
        "failed_runs_per_day": sum(1 for r in day.runs if r.error_code),
        "ssm_reads_per_day": day.aws.count("ssm", "GetParameter"),
        "ssm_writes_per_day": day.aws.count("ssm", "PutParameter"),
        "secret_reads_per_day": day.aws.count("secretsmanager", "GetSecretValue"),
        "kms_requests_per_day": day.aws.kms_requests,
        "log_bytes_per_run": round(day.log_bytes / runs),
        "pacing_wait_s_per_day": round(sum(r.waited_s for r in day.runs), 1),
    }


def two_plant_figures(day: DayResult) -> dict[str, Any]:
    """The two-plant day's quota figures and its targets."""
    per_run = day.calls_per_run("getDevRealKpi")
    figures: dict[str, Any] = {
        **{k: v for k, v in day_figures(day).items() if k in TWO_PLANT_KEYS},
        "getdevrealkpi_calls_per_run": {str(n): runs for n, runs in per_run.items()},
        "getdevrealkpi_calls_per_reading_run": max((n for n in per_run if n), default=0),
    }
    figures["targets"] = check_targets(figures, TWO_PLANT_TARGETS)
    return figures


def all_sinks_figures(day: DayResult, cost: float, list_cost: float) -> dict[str, Any]:
    """The day with SINKS=chargehq,hass,pvoutput: what each sink got, and what it costs."""
    figures = {k: v for k, v in day_figures(day).items() if k in ALL_SINKS_KEYS}
    return {
        **figures,
        **day.sink_counts,
        "monthly_cost_usd": round(cost, 3),
        "monthly_cost_usd_no_free_tier": round(list_cost, 3),
    }


ALL_SINKS_KEYS = (
    *QUOTA_KEYS,
    "pushes_per_day",
    "failed_runs_per_day",
    "ssm_reads_per_day",
    "ssm_writes_per_day",
    "kms_requests_per_day",
    "log_bytes_per_run",
)


TWO_PLANT_KEYS = (
    *QUOTA_KEYS,
    "fusionsolar_calls_per_day",
    "error_pushes_per_day",
    "failed_runs_per_day",
    "ssm_writes_per_day",
)


def ratios(ours: dict[str, Any], baseline: dict[str, Any]) -> dict[str, float | None]:
    """baseline / ours for the quota figures; None where ours is zero."""
    return {
        k: round(baseline[k] / ours[k], 2) if ours[k] else None
        for k in QUOTA_KEYS
        if k != "pushes_per_day"
    }


def cost_inputs(day: DayResult, init_s: float) -> DayFigures:
    return DayFigures(
        runs=len(day.runs),
        cold_starts=sum(1 for r in day.runs if r.cold),
        in_process_s=sum(r.handler_ms for r in day.runs) / 1000,
        paced_wait_s=sum(r.waited_s for r in day.runs),
        init_s=init_s,
        fusionsolar_calls=day.calls(),
        push_requests=day.push_requests + day.sink_requests,
        ssm_calls=day.aws.count("ssm"),
        secret_reads=day.aws.count("secretsmanager"),
        kms_requests=day.aws.kms_requests,
        log_bytes=day.log_bytes,
        log_lines=day.log_lines,
        metrics=len(day.metric_names()),
    )


def handler_latency(day: DayResult) -> dict[str, float | None]:
    warm = [r.handler_ms for r in day.runs if not r.cold]
    cold = [r.handler_ms for r in day.runs if r.cold]
    return {  # a day without cold runs has no cold figure (None)
        "handler_ms_p50": round(percentile(warm, 50), 1),
        "handler_ms_p99": round(percentile(warm, 99), 1),
        "handler_ms_p50_cold_runs": round(percentile(cold, 50), 1) if cold else None,
        "warm_runs": len(warm),
    }
