"""`make status`: the deployed poller at a glance, and "does it work now?" after a secret edit.

Reads what is already there: the stack's outputs and parameters, the runs' summary lines in the
logs (each carries `run_outcome`, and the site meters when pushed), the secret and its last
change, the failure queue's count. Only when no run has used the secret since it was edited
does it check the secret itself, spending nothing the schedule needs: FusionSolar gets one login
(unless the lockout guard holds; the new token is saved for the next run, which then needs no
login) and one plant-list call, never a reading; each receiver gets the latest reading again.
"""

import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from fusioncharge.settings.secret import SiteSecret, parse_secret
from fusioncharge.sinks import registry
from tools.deploy.aws_access import problem
from tools.status import receivers
from tools.status.alarm import alarm_lines
from tools.status.headline import (
    CANNOT_TELL,
    NOT_WORKING,
    WORKING,
    Facts,
    Headline,
    Proof,
    decide,
)
from tools.status.proof import (
    RUN_MAX_SECONDS,
    LoginProof,
    clock_text,
    recent_reading,
    try_fusionsolar,
)
from tools.status.run_lines import RunLine, failed_since_last_push, meters_text, run_line

CHECKS = Path(__file__).resolve().parents[2] / ".local" / "status-checks.json"
LOOK_BACK_SECONDS = 24 * 3600
__all__ = ["RUN_MAX_SECONDS", "Report", "main", "status"]
LINKS = ("SecretConsoleUrl", "LogsConsoleUrl", "DashboardConsoleUrl", "AlarmsConsoleUrl")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    headline: Headline | None = None

    @property
    def working(self) -> bool | None:
        """True for WORKING, False for NOT WORKING, None while CHECKING."""
        word = self.headline.word if self.headline else None
        return True if word == WORKING else False if word == NOT_WORKING else None

    def add(self, label: str, text: str) -> None:
        self.lines.append(f"  {label:<11} {text}")


def main() -> int:
    stack, region = os.environ.get("STACK_NAME", ""), os.environ.get("REGION") or None
    if not stack:
        print(f"{decide(Facts(deployed=False)).text()}", file=sys.stderr)
        return decide(Facts(deployed=False)).exit_code
    try:
        session = boto3.Session(region_name=region)
        try:
            outputs, parameters = describe_stack(session.client("cloudformation"), stack)
        except StackMissing as exc:
            headline = decide(Facts(deployed=False))
            print(f"{stack} ({session.region_name}): {headline.text()} ({exc})")
            return headline.exit_code
        report = status(stack, session, outputs, parameters, now=time.time())
    except Exception as exc:
        said = problem(exc)
        if said is None:
            raise
        print(f"error: {said}", file=sys.stderr)
        return CANNOT_TELL
    print("\n".join(report.lines))
    return report.headline.exit_code if report.headline else CANNOT_TELL


class StackMissing(Exception):
    pass


def status(
    stack: str,
    session: Any,
    outputs: dict[str, str],
    parameters: dict[str, str],
    now: float,
    checks: Path = CHECKS,
    sink_urls: receivers.Urls | None = None,
) -> Report:
    """Everything `make status` prints, from the stack's outputs, parameters and resources."""
    runs = _runs(session.client("logs"), f"/aws/lambda/{outputs['PollerFunctionName']}", now)
    secrets = session.client("secretsmanager")
    changed = secrets.describe_secret(SecretId=outputs["SecretArn"])
    edited = _epoch(changed.get("LastChangedDate") or changed.get("CreatedDate"))
    value = secrets.get_secret_value(SecretId=outputs["SecretArn"])
    secret = parse_secret(json.loads(value["SecretString"]), outputs["SecretArn"])
    proof = LoginProof(checks, stack, value["VersionId"], now)
    report = Report()
    report.facts.next_run = _next_run(runs, parameters)
    _history(report, runs, parameters, now, edited)
    receivers.last_outcomes(report.add, runs)
    read = [r for r in runs if r.outcome != "skipped"]  # a skipped run read no plant
    for notice in (read[-1].plant_notices or []) if read else []:
        report.add("plant", notice)
    _check(report, secret, runs, edited, parameters, outputs, session, proof, sink_urls)
    for label, text in alarm_lines(session, stack):
        report.add(label, text)
    failed = failed_since_last_push(runs)
    if failed:
        report.add("failed runs", f"{failed} since the last push (the failure queue keeps each)")
    for name in LINKS:
        if name in outputs:
            report.add(name.removesuffix("ConsoleUrl").lower(), outputs[name])
    if parameters.get("Paused") == "true":
        report.facts.paused = True
    report.headline = decide(report.facts)
    report.lines.insert(0, f"{stack} ({session.region_name}): {report.headline.text()}")
    return report


def describe_stack(client: Any, stack: str) -> tuple[dict[str, str], dict[str, str]]:
    """The stack's outputs and parameters, by name."""
    try:
        found = client.describe_stacks(StackName=stack)["Stacks"][0]
    except client.exceptions.ClientError as exc:
        raise StackMissing(f"no stack {stack} here ({exc}); run make deploy first") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in found["Parameters"]}
    return outputs, parameters


def _runs(client: Any, group: str, now: float) -> list[RunLine]:
    """The summary lines of the last day's runs, oldest first."""
    start, runs, token = int((now - LOOK_BACK_SECONDS) * 1000), [], None
    while True:
        args = {"logGroupName": group, "startTime": start, "filterPattern": '"run_outcome"'}
        try:
            page = client.filter_log_events(**args, **({"nextToken": token} if token else {}))
        except client.exceptions.ResourceNotFoundException:
            return []
        runs += [r for e in page["events"] if (r := run_line(e)) is not None]
        token = page.get("nextToken")
        if not token:
            return sorted(runs, key=lambda r: r.at)


def _history(
    report: Report, runs: list[RunLine], parameters: dict[str, str], now: float, edited: float
) -> None:
    pushed = [r for r in runs if r.outcome == "pushed"]
    if pushed:
        report.add(
            "last push", f"{_when(pushed[-1].at, now)}: {meters_text(pushed[-1].site_meters)}"
        )
    else:
        report.add("last push", "none in the last day")
    failed = [r for r in runs if r.outcome == "failed"]
    if failed:
        old = " (before the secret's last edit)" if failed[-1].at < edited + RUN_MAX_SECONDS else ""
        report.add("last error", f"{_when(failed[-1].at, now)}: {failed[-1].message}{old}")
    hour = [r for r in runs if r.at >= now - 3600]
    if hour:
        counts = {o: sum(r.outcome == o for r in hour) for o in ("pushed", "failed", "skipped")}
        summary = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
        report.add("last hour", f"{len(hour)} runs: {summary}")
    schedule = parameters.get("ScheduleExpression", "rate(5 minutes)")
    report.add("next run", f"{report.facts.next_run.removeprefix('the run ')} ({schedule})")


def _next_run(runs: list[RunLine], parameters: dict[str, str]) -> str:
    schedule = parameters.get("ScheduleExpression", "rate(5 minutes)")
    minutes = int("".join(c for c in schedule if c.isdigit()) or 5)
    if not runs:
        return f"the run due within {minutes} minutes of the deploy"
    return f"the run at about {clock_text(runs[-1].at + minutes * 60)}"


def _check(
    report: Report,
    secret: SiteSecret,
    runs: list[RunLine],
    edited: float,
    parameters: dict[str, str],
    outputs: dict[str, str],
    session: Any,
    proof: LoginProof,
    sink_urls: receivers.Urls | None,
) -> None:
    """Does the secret work now? From the runs since it was edited, or by trying it."""
    facts = report.facts
    sinks = receivers.configured(parameters)
    facts.receivers = registry.titles(sinks)
    missing = secret.missing(sinks)
    if missing:
        facts.missing = missing
        report.add("secret", f"still needs filling in: {', '.join(missing)} (link below)")
        return
    # Each run reads the secret as it starts: one that ended a run's length after the edit
    # may have started before it.
    since = [r for r in runs if r.at >= edited + RUN_MAX_SECONDS and r.outcome != "skipped"]
    report.add("secret", f"last edited {_when(edited, proof.now)}")
    facts.pushed_since_edit = any(r.outcome == "pushed" for r in since)
    facts.silent = receivers.received(report.add, runs, sinks, since, proof.now)
    if since:
        facts.last_outcome = since[-1].outcome
        if since[-1].outcome == "failed":
            facts.last_error_code = since[-1].error_code or "failed"
            facts.blip = receivers.blip(since, proof.now)
    if facts.pushed_since_edit:
        report.add("check", "credentials and API key work: a run since the edit pushed")
        return
    if since:
        report.add("check", f"the runs since the edit fail with {since[-1].error_code}")
    fusionsolar = try_fusionsolar(secret, parameters, outputs, session, edited, proof)
    report.add("FusionSolar", fusionsolar[1])
    facts.proofs = [Proof("FusionSolar", *fusionsolar)]
    for label, ok, text in receivers.check_sinks(
        secret, sinks, recent_reading(runs, proof.now), parameters, sink_urls
    ):
        report.add(label, text)
        facts.proofs.append(Proof(label, ok, text))


def _when(at: float, now: float) -> str:
    minutes = max(0, round((now - at) / 60))
    ago = f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"
    return f"{clock_text(at)} ({ago})"


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value or 0)


if __name__ == "__main__":
    sys.exit(main())
