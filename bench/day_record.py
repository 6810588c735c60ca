"""What a simulated day recorded, run by run, and the counts the report reads from it."""

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.awscount import AwsCalls

DISCOVERY = ("stations", "getDevList")


@dataclass
class SimulatedRun:
    """One run of the simulated day as the bench saw it (the run's own result is a RunResult)."""

    index: int
    scheduled: float  # simulated epoch seconds
    cold: bool  # first run of a new container
    handler_ms: float  # wall time of the handler in this process
    waited_s: float  # simulated seconds the run spent waiting (Huawei's 5-minute window)
    calls: list[Any]  # emulator CallRecords
    pushes: list[Any]  # receiver PushRecords
    error_code: str | None
    log: str  # what the handler printed


@dataclass
class DayResult:
    """One simulated day: its runs, the AWS calls they made, and what the other sinks got."""

    mode: str
    runs: list[SimulatedRun]
    aws: AwsCalls
    parameter_version: int | None  # moto's version of the state parameter at the end
    notes: list[str] = field(default_factory=list)
    # With other sinks on (SINKS): what the Home Assistant and PVOutput stand-ins got.
    sink_counts: dict[str, int] = field(default_factory=dict)

    @property
    def sink_requests(self) -> int:
        """Requests to sinks other than ChargeHQ (for the Lambda time model)."""
        return self.sink_counts.get("hass_requests", 0) + self.sink_counts.get(
            "pvoutput_requests", 0
        )

    def calls_per_run(self, interface: str) -> dict[int, int]:
        """How many runs made n calls of the interface: {n: runs}."""
        counts = Counter(sum(1 for c in r.calls if c.interface == interface) for r in self.runs)
        return dict(sorted(counts.items()))

    def calls(self, interface: str | None = None, outcome: str | None = None) -> int:
        return sum(
            1
            for r in self.runs
            for c in r.calls
            if interface in (None, c.interface) and outcome in (None, c.outcome)
        )

    @property
    def discovery_calls(self) -> int:
        return sum(self.calls(i) for i in DISCOVERY)

    @property
    def site_meter_pushes(self) -> list[Any]:
        return [
            p
            for r in self.runs
            for p in r.pushes
            if p.status is not None and 200 <= p.status < 300 and "siteMeters" in (p.body or {})
        ]

    @property
    def runs_pushed(self) -> int:
        return sum(1 for r in self.runs if any("siteMeters" in (p.body or {}) for p in r.pushes))

    @property
    def error_pushes(self) -> int:
        return sum(1 for r in self.runs for p in r.pushes if "error" in (p.body or {}))

    @property
    def push_requests(self) -> int:
        return sum(len(r.pushes) for r in self.runs)

    @property
    def receiver_problems(self) -> list[str]:
        return [problem for r in self.runs for p in r.pushes for problem in p.problems]

    @property
    def log_bytes(self) -> int:
        return sum(len(r.log.encode()) for r in self.runs)

    @property
    def log_lines(self) -> int:
        return sum(len(r.log.splitlines()) for r in self.runs)

    def metric_names(self) -> set[str]:
        """Distinct custom metrics in the handler's EMF lines (name and dimensions)."""
        names: set[str] = set()
        for r in self.runs:
            for line in r.log.splitlines():
                if not line.startswith('{"_aws"'):
                    continue
                for directive in json.loads(line)["_aws"]["CloudWatchMetrics"]:
                    dims = ",".join(sorted(d for ds in directive["Dimensions"] for d in ds))
                    for metric in directive["Metrics"]:
                        names.add(f"{directive['Namespace']}/{metric['Name']}[{dims}]")
        return names
