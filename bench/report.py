"""Figures from the simulated days, the targets they are held to, and the table people read."""

import operator
from collections.abc import Callable
from typing import Any

from bench.cost import DAYS_PER_MONTH, DayFigures, MonthlyUsage
from bench.day import DayResult
from bench.prices import PRICES_DATE, REGION
from bench.timing import percentile

QUOTA_KEYS = (
    "fusionsolar_calls_per_poll",
    "logins_per_day",
    "discovery_calls_per_day",
    "quota_refusals_per_day",
    "pushes_per_day",
)
# (what, summary key, comparison, limit) from the benchmark issue.
Target = tuple[str, str, str, float]
# Huawei's quotas over a day, the same for one plant and for several.
DAY_TARGETS: tuple[Target, ...] = (
    ("quota refusals a day", "quota_refusals_per_day", "<=", 0),
    ("logins a day", "logins_per_day", "<=", 49),
    ("discovery calls a day", "discovery_calls_per_day", "<=", 6),
    # The pacing's safety margin skips up to 12 runs a day (docs/reference.md, the 5-minute
    # window): each a push 5 minutes late, never a 407.
    ("runs that pushed site meters", "pushes_per_day", ">=", 276),
)
TARGETS: tuple[Target, ...] = (
    ("FusionSolar calls per run", "fusionsolar_calls_per_poll", "<=", 3.2),
    *DAY_TARGETS,
    ("handler p50 (ms)", "handler_ms_p50", "<=", 50),
    ("cold import (ms)", "cold_import_ms", "<=", 400),
    ("monthly cost, one site (US$)", "monthly_cost_usd", "<=", 0.50),
    ("quota refusals under jitter", "jitter_quota_refusals", "<=", 0),
)
# The same day on two plants (emulator/scenarios/two-plants.json): the quota of one plant.
TWO_PLANT_TARGETS: tuple[Target, ...] = (
    ("getDevRealKpi calls in a run that read", "getdevrealkpi_calls_per_reading_run", "<=", 3),
    *DAY_TARGETS,
)
_COMPARE: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}


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


def check_targets(
    summary: dict[str, Any], targets: tuple[Target, ...] = TARGETS
) -> dict[str, bool | None]:
    out: dict[str, bool | None] = {}
    for _, key, op, limit in targets:
        value = summary.get(key)
        out[key] = None if value is None else _COMPARE[op](value, limit)
    return out


# --- the table ---------------------------------------------------------------------------------
def render(
    summary: dict[str, Any],
    usage: MonthlyUsage,
    cost: dict[str, float],
    list_cost: dict[str, float],
    notes: list[str],
) -> str:
    ours, base, ratio = summary, summary["baseline"], summary["ratio"]
    lines = [
        f"== A simulated day: {ours['runs_per_day']} scheduled runs of the real handler "
        "(default plant, ±3 s jitter, a cold start every hour) ==",
        _row("", "ours", "naive baseline", "baseline/ours"),
    ]
    rows = (
        ("FusionSolar calls per run", "fusionsolar_calls_per_poll"),
        ("FusionSolar calls a day", "fusionsolar_calls_per_day"),
        ("logins a day", "logins_per_day"),
        ("discovery calls a day (stations+getDevList)", "discovery_calls_per_day"),
        ("quota refusals a day", "quota_refusals_per_day"),
        ("runs that pushed site meters", "pushes_per_day"),
        ("error pushes a day", "error_pushes_per_day"),
        ("SSM GetParameter a day", "ssm_reads_per_day"),
        ("SSM PutParameter a day", "ssm_writes_per_day"),
        ("Secrets Manager reads a day", "secret_reads_per_day"),
        ("KMS requests a day (implied)", "kms_requests_per_day"),
        ("log bytes per run (stdout, INFO)", "log_bytes_per_run"),
        ("pacing waits a day (s, simulated)", "pacing_wait_s_per_day"),
    )
    for label, key in rows:
        lines.append(_row(label, ours[key], base[key], _ratio(ratio, key, base[key])))
    lines += [
        "",
        "== Latency (in this process, emulator on loopback: our own overhead only) ==",
        _row(
            f"handler p50 / p99, warm runs (n={summary['warm_runs']})",
            f"{summary['handler_ms_p50']} / {summary['handler_ms_p99']} ms",
        ),
        _row("handler p50, cold-start runs", f"{summary['handler_ms_p50_cold_runs']} ms"),
        _row("cold import of app (source tree, .pyc cached)", f"{summary['cold_import_ms']} ms"),
        _row(
            "cold import, sam build output (no .pyc)",
            _ms(summary.get("cold_import_ms_built_no_pyc")),
        ),
        _row(
            "cold import, sam build output + compileall",
            _ms(summary.get("cold_import_ms_built_with_pyc")),
        ),
        "",
        "== Size (sam build, arm64) ==",
        _row("layer", _size(summary.get("layer_bytes"), summary.get("layer_zip_bytes"))),
        _row("function", _size(summary.get("function_bytes"), summary.get("function_zip_bytes"))),
        "",
        f"== Monthly cost of one site ({REGION} list prices of {PRICES_DATE}; "
        f"{DAYS_PER_MONTH:.1f} days) ==",
        _row("item", "usage a month", "with free tiers", "without"),
    ]
    for item, used in _usage_rows(usage):
        lines.append(_row(item, used, f"{cost[item]:.4f}", f"{list_cost[item]:.4f}"))
    lines.append(_row("total (US$)", "", f"{cost['total']:.2f}", f"{list_cost['total']:.2f}"))
    lines += ["", "== Targets =="]
    lines += _target_rows(summary, TARGETS)
    two = summary.get("two_plants")
    if two is not None:
        lines += [
            "",
            "== The same day on two plants (emulator/scenarios/two-plants.json: hybrid + string "
            "inverter, a power sensor each, summed into one site) ==",
            _row("getDevRealKpi calls per run: runs", str(two["getdevrealkpi_calls_per_run"])),
            *_target_rows(two, TWO_PLANT_TARGETS),
            _row("FusionSolar calls per run", two["fusionsolar_calls_per_poll"]),
        ]
    lines += ["", *notes]
    return "\n".join(lines)


def _target_rows(figures: dict[str, Any], targets: tuple[Target, ...]) -> list[str]:
    rows = []
    for label, key, op, limit in targets:
        ok = figures["targets"][key]
        verdict = "n/a" if ok is None else ("ok" if ok else "MISSED")
        rows.append(_row(f"{label} {op} {limit:g}", figures.get(key), verdict))
    return rows


def _usage_rows(u: MonthlyUsage) -> list[tuple[str, str]]:
    return [
        ("lambda_requests", f"{u.invocations:,.0f} runs"),
        ("lambda_duration", f"{u.gb_seconds:,.0f} GB-s"),
        ("secret", f"{u.secrets} secret"),
        ("secret_api_calls", f"{u.secret_api_calls:,.0f} calls"),
        ("kms_requests", f"{u.kms_requests:,.0f} requests"),
        ("kms_customer_keys", f"{u.customer_keys} keys"),
        ("ssm", f"{u.ssm_api_calls:,.0f} calls"),
        ("logs_ingested", f"{u.log_gb_ingested * 1024:,.1f} MB"),
        ("logs_stored", f"{u.log_gb_stored * 1024:,.1f} MB-month"),
        ("metrics", f"{u.metrics} metrics"),
        ("alarms", f"{u.alarms} alarms"),
        ("dashboards", f"{u.dashboards} dashboard"),
        ("sqs", f"{u.sqs_requests:,.0f} requests"),
        ("scheduler", f"{u.scheduler_invocations:,.0f} invocations"),
    ]


def _row(label: str, *cells: Any) -> str:
    return f"{label:<48}" + "".join(f"{'' if c is None else c!s:>18}" for c in cells)


def _ratio(ratio: dict[str, float | None], key: str, baseline: float) -> str:
    if key not in ratio:
        return ""
    value = ratio[key]
    if value is None:
        return "∞" if baseline else "-"
    return f"{value:g}×"


def _ms(value: float | None) -> str:
    return "not measured" if value is None else f"{value} ms"


def _size(unzipped: int | None, zipped: int | None) -> str:
    if unzipped is None or zipped is None:
        return "not measured"
    return f"{unzipped:,} B unzipped, {zipped:,} B zipped"
