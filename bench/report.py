"""The table people read: the simulated days' figures, their cost and the targets met or missed."""

from typing import Any

from bench.cost import DAYS_PER_MONTH, MonthlyUsage
from bench.prices import PRICES_DATE, REGION
from bench.targets import TARGETS, TWO_PLANT_TARGETS, Target


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
