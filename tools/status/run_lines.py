"""One line per run, from the function's summary log lines (`make logs`, `make status`).

Each run's summary line is JSON with `run_outcome` (pushed, failed, skipped, dry_run), the site
meters when pushed and `error_code` when failed. `make logs` pipes `sam logs --output json`
through `main()`, which prints one short line per run and drops everything else.
"""

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

METER_NAMES = {
    "production_kw": "production",
    "consumption_kw": "consumption",
    "net_import_kw": "grid import",
    "battery_discharge_kw": "battery discharge",
}


@dataclass
class RunLine:
    """One run's summary line from the logs."""

    at: float  # epoch seconds
    outcome: str  # pushed, failed, skipped, dry_run
    message: str
    error_code: str | None = None
    site_meters: dict[str, float] | None = None
    sinks: dict[str, str] | None = None  # sink -> ok / FAILED / waiting (since SINKS)
    sink_errors: dict[str, str] | None = None  # failed sink -> its error code
    plant_notices: list[str] | None = None  # where a plant is: unknown, or a setting doubted

    def short(self) -> str:
        when = datetime.fromtimestamp(self.at, UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if self.outcome == "pushed":
            return f"{when}  pushed   {meters_text(self.site_meters)}"
        if self.outcome == "failed":
            return f"{when}  FAILED   {self.message.removeprefix('FAILED ')}"
        return f"{when}  {self.outcome:<8} {self.message}"


def run_line(event: dict[str, Any]) -> RunLine | None:
    """The run summary in a CloudWatch event ({"timestamp": ms, "message": ...}), if it is one."""
    try:
        line = json.loads(event.get("message", ""))
    except (TypeError, ValueError):
        return None
    if not isinstance(line, dict) or "run_outcome" not in line:
        return None
    meters = line.get("site_meters")
    return RunLine(
        at=float(event.get("timestamp", 0)) / 1000,
        outcome=str(line["run_outcome"]),
        message=str(line.get("message", "")),
        error_code=line.get("error_code"),
        site_meters=meters if isinstance(meters, dict) else None,
        sinks=_dict(line.get("sinks")),
        sink_errors=_dict(line.get("sink_errors")),
        plant_notices=_texts(line.get("plant_notices")),
    )


def _dict(value: Any) -> dict[str, str] | None:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None


def _texts(value: Any) -> list[str] | None:
    return [str(v) for v in value] if isinstance(value, list) else None


def meters_text(meters: dict[str, float] | None) -> str:
    meters = meters or {}
    parts = [f"{label} {meters[k]:g} kW" for k, label in METER_NAMES.items() if k in meters]
    if "battery_soc" in meters:
        parts.append(f"battery {meters['battery_soc'] * 100:.0f} %")
    return ", ".join(parts) or "(no values)"


def main(lines: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    for text in lines:
        try:
            event = json.loads(text)
        except ValueError:
            continue  # sam's own notices
        run = run_line(event) if isinstance(event, dict) else None
        if run is not None:
            print(run.short(), file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def failed_since_last_push(runs: list[RunLine]) -> int:
    pushes = [i for i, r in enumerate(runs) if r.outcome == "pushed"]
    return sum(r.outcome == "failed" for r in runs[(pushes[-1] + 1 if pushes else 0) :])
