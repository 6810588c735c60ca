"""`make bench`: a simulated day (ours and the naive baseline), latency, size, cost and a picture.

Progress goes to stderr; stdout gets the table and, as its last line, one JSON object.
Everything is also written to bench/results/ (results.json, table.txt, site-meters-day.png).
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.awscount import AwsCallCounter
from bench.build import BuildFailed, compiled_copy, folder_bytes, sam_build, zipped_bytes
from bench.cost import LatencyModel, monthly_cost, usage_per_month
from bench.day import DAY_START, StdoutCapture, simulate_day, two_plants_scenario
from bench.figures import (
    QUOTA_KEYS,
    all_sinks_figures,
    cost_inputs,
    day_figures,
    handler_latency,
    ratios,
    two_plant_figures,
)
from bench.jitter import jitter_figures, jitter_rows
from bench.plot import plot_day
from bench.prices import NO_FREE_TIER, PRICES_DATE
from bench.report import render
from bench.targets import check_targets
from bench.template import deployment, load_template
from bench.timing import cold_import_ms

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seed", type=int, default=7, help="seed of the schedule jitter")
    parser.add_argument("--no-build", action="store_true", help="skip sam build (no sizes)")
    args = parser.parse_args(argv)
    counter = AwsCallCounter()
    counter.install()  # before the first boto3 session, so every client is counted
    capture = StdoutCapture()
    notes: list[str] = []

    _progress("simulating a day of our poller ...")
    ours = simulate_day("ours", counter, capture, args.seed)
    _progress("simulating the same day with the naive baseline ...")
    baseline = simulate_day("baseline", counter, capture, args.seed)
    _progress("simulating the same day on two plants summed into one site ...")
    two_plants = simulate_day("ours", counter, capture, args.seed, two_plants_scenario())
    _progress("simulating days of jittery round trips and a drifting Huawei clock ...")
    jitter = jitter_figures(args.seed)
    _progress("simulating the same day with every sink on (chargehq, hass, pvoutput) ...")
    every_sink = {"SINKS": "chargehq,hass,pvoutput", "PLANT_TIMEZONE": "America/New_York"}
    all_sinks = simulate_day("ours", counter, capture, args.seed, settings=every_sink)
    _progress("timing cold imports of the handler ...")
    summary: dict[str, Any] = {**day_figures(ours), **handler_latency(ours)}
    summary["cold_import_ms"] = round(cold_import_ms(), 1)
    if not args.no_build:
        _progress("sam build (clean, into a temporary folder) ...")
        summary.update(_measure_build(notes))

    # Lambda bills INIT: take the import as deployed (the build's, without .pyc) when measured.
    init_ms = summary.get("cold_import_ms_built_no_pyc") or summary["cold_import_ms"]
    template = load_template()
    usage = usage_per_month(cost_inputs(ours, init_ms / 1000), deployment(template))
    cost, list_cost = monthly_cost(usage), monthly_cost(usage, free=NO_FREE_TIER)
    with_email = usage_per_month(
        cost_inputs(ours, init_ms / 1000), deployment(template, alarm_email=True)
    )
    summary["monthly_cost_usd"] = round(cost["total"], 3)
    summary["monthly_cost_usd_no_free_tier"] = round(list_cost["total"], 3)
    summary["monthly_cost_usd_with_alarm_email"] = round(monthly_cost(with_email)["total"], 3)
    summary["monthly_cost_items_usd"] = {k: round(v, 4) for k, v in cost.items()}
    summary["prices_date"] = PRICES_DATE
    base = day_figures(baseline)
    summary["baseline"] = {k: base[k] for k in (*QUOTA_KEYS, *base) if k in base}
    summary["ratio"] = ratios(summary, base)
    summary["jitter"] = jitter  # quota refusals and skipped runs when trips vary
    summary["jitter_quota_refusals"] = sum(f["quota_refusals"] for f in jitter.values())
    summary["targets"] = check_targets(summary)
    summary["two_plants"] = two_plant_figures(two_plants)  # beside the one-plant keys above
    sinks_usage = usage_per_month(cost_inputs(all_sinks, init_ms / 1000), deployment(template))
    summary["all_sinks"] = all_sinks_figures(
        all_sinks,
        monthly_cost(sinks_usage)["total"],
        monthly_cost(sinks_usage, free=NO_FREE_TIER)["total"],
    )
    summary["ssm_count_source"] = (
        "botocore event counter on every session; PutParameter cross-checked with moto's "
        f"parameter version ({ours.parameter_version})"
    )

    RESULTS.mkdir(parents=True, exist_ok=True)
    picture = plot_day(ours.site_meter_pushes, DAY_START, RESULTS / "site-meters-day.png")
    notes += _notes(summary, ours.parameter_version, picture)
    table = render(summary, usage, cost, list_cost, notes) + "\n" + "\n".join(jitter_rows(jitter))
    (RESULTS / "table.txt").write_text(table + "\n", encoding="utf-8")
    (RESULTS / "results.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(table)
    print(json.dumps(summary, separators=(",", ":")))
    return 0


def _measure_build(notes: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fusioncharge-bench-") as tmp:
        try:
            built = sam_build(Path(tmp))
        except BuildFailed as exc:
            notes.append(f"Size not measured: {exc}")
            return {"layer_bytes": None, "function_bytes": None}
        figures: dict[str, Any] = {
            "layer_bytes": folder_bytes(built.layer),
            "function_bytes": folder_bytes(built.function),
            "layer_zip_bytes": zipped_bytes(built.layer),
            "function_zip_bytes": zipped_bytes(built.function),
        }
        paths = (built.layer_python, built.function)
        figures["cold_import_ms_built_no_pyc"] = round(cold_import_ms(paths, 5, bytecode=False), 1)
        compiled = compiled_copy(built, Path(tmp) / "compiled")
        figures["layer_zip_bytes_with_pyc"] = zipped_bytes(compiled.layer)
        paths = (compiled.layer_python, compiled.function)
        figures["cold_import_ms_built_with_pyc"] = round(cold_import_ms(paths, 5), 1)
    return figures


def _notes(summary: dict[str, Any], version: int | None, picture: Path) -> list[str]:
    model = LatencyModel()
    return [
        "Notes:",
        f"- Lambda duration = measured in-process time + modelled network: "
        f"{model.fusionsolar_call_s * 1000:.0f} ms per FusionSolar call, "
        f"{model.push_s * 1000:.0f} ms per push, {model.aws_call_s * 1000:.0f} ms per AWS "
        "call, plus pacing waits and one INIT (import of the build) per cold start.",
        "- AWS calls counted by a botocore event handler on every session; SSM PutParameter "
        f"count matches moto's parameter version ({version}). KMS = one Decrypt per "
        "GetParameter WithDecryption and per GetSecretValue, one Encrypt per PutParameter.",
        "- Free tiers applied: Lambda 1M requests + 400k GB-s, KMS 20k requests, CloudWatch "
        "5 GB logs, 10 metrics, 10 alarms, 3 dashboards, SQS 1M, Scheduler 14M. They are per "
        "account: an account that already uses them pays the 'without' column.",
        f"- With AlarmEmail set: US${summary['monthly_cost_usd_with_alarm_email']:.2f} a month "
        "(its conditional resources counted; SNS e-mails are free up to 1,000 a month; a "
        "customer-managed KMS key would add $1/month).",
        f"- Picture: {picture}",
    ]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
