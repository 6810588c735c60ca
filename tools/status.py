"""`make status`: the deployed poller at a glance, and "does it work now?" after a secret edit.

Reads what is already there: the stack's outputs and parameters, the runs' summary lines in the
logs (each carries `run_outcome`, and the site meters when pushed), the secret and its last
change, the failure queue's count. Only when no run has used the secret since it was edited
does it check the secret itself, spending nothing the schedule needs: FusionSolar gets one login
(unless the lockout guard holds; the new token is saved for the next run, which then needs no
login) and one plant-list call, never a reading; ChargeHQ gets the latest reading again.
"""

import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.aws.secrets import parse_secret
from fusioncharge.aws.state_store import SsmStateStore
from fusioncharge.chargehq.client import ChargeHqClient
from fusioncharge.errors import BridgeError, PlantNotFound
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.fusionsolar.parse import match_plants
from tools import sink_status
from tools.run_lines import RunLine, meters_text, run_line

CHECKS = Path(__file__).resolve().parent.parent / ".local" / "status-checks.json"
LOOK_BACK_SECONDS = 24 * 3600
RECENT_READING_SECONDS = 600  # a reading this fresh may be pushed again to test the key
RUN_MAX_SECONDS = 60  # the function's Timeout in template.yaml: no run lasts longer
LINKS = ("SecretConsoleUrl", "LogsConsoleUrl", "DashboardConsoleUrl", "AlarmsConsoleUrl")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    working: bool | None = None  # None: not known yet

    def add(self, label: str, text: str) -> None:
        self.lines.append(f"  {label:<12}{text}")


def main() -> int:
    stack, region = os.environ.get("STACK_NAME", ""), os.environ.get("REGION") or None
    if not stack:
        print("error: no stack name; run make deploy first", file=sys.stderr)
        return 2
    session = boto3.Session(region_name=region)
    try:
        outputs, parameters = describe_stack(session.client("cloudformation"), stack)
    except StackMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report = status(stack, session, outputs, parameters, now=time.time())
    print("\n".join(report.lines))
    return 0 if report.working is not False else 1


class StackMissing(Exception):
    pass


def status(
    stack: str,
    session: Any,
    outputs: dict[str, str],
    parameters: dict[str, str],
    now: float,
    checks: Path = CHECKS,
    pvoutput_url: str = sink_status.PVOUTPUT_URL,
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
    _headline(report, stack, session.region_name, runs, now)
    _history(report, runs, parameters, now)
    sink_status.last_outcomes(report.add, runs)
    _check(report, secret, runs, edited, parameters, outputs, session, proof, pvoutput_url)
    queued = _queued(session.client("sqs"), outputs.get("FailureQueueUrl"))
    if queued:
        report.add("failed runs", f"{queued} in the failure queue (a record, kept 14 days)")
    for name in LINKS:
        if name in outputs:
            report.add(name.removesuffix("ConsoleUrl").lower(), outputs[name])
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


def _headline(report: Report, stack: str, region: str, runs: list[RunLine], now: float) -> None:
    last = runs[-1] if runs else None
    if last is None:
        state = "NO RUNS in the last day (the schedule runs every few minutes after a deploy)"
    elif last.outcome == "pushed":
        state = "WORKING: ChargeHQ gets your site meters"
    elif last.outcome == "skipped":
        state = "WORKING (the last run waited for Huawei's 5-minute window)"
    else:
        state = f"NOT WORKING: {last.error_code}"
    report.lines.append(f"{stack} ({region}): {state}")


def _history(report: Report, runs: list[RunLine], parameters: dict[str, str], now: float) -> None:
    pushed = [r for r in runs if r.outcome == "pushed"]
    if pushed:
        report.add(
            "last push", f"{_when(pushed[-1].at, now)}: {meters_text(pushed[-1].site_meters)}"
        )
    else:
        report.add("last push", "none in the last day")
    failed = [r for r in runs if r.outcome == "failed"]
    if failed:
        report.add("last error", f"{_when(failed[-1].at, now)}: {failed[-1].message}")
    hour = [r for r in runs if r.at >= now - 3600]
    if hour:
        counts = {o: sum(r.outcome == o for r in hour) for o in ("pushed", "failed", "skipped")}
        summary = ", ".join(f"{n} {o}" for o, n in counts.items() if n)
        report.add("last hour", f"{len(hour)} runs: {summary}")
    schedule = parameters.get("ScheduleExpression", "rate(5 minutes)")
    if runs:
        minutes = int("".join(c for c in schedule if c.isdigit()) or 5)
        report.add("next run", f"about {_clock(runs[-1].at + minutes * 60)} ({schedule})")


def _check(report, secret, runs, edited, parameters, outputs, session, proof, pv_url) -> None:
    """Does the secret work now? From the runs since it was edited, or by trying it."""
    sinks = sink_status.configured(parameters)
    missing = secret.missing(sinks)
    if missing:
        report.working = False
        report.add("secret", f"still needs filling in: {', '.join(missing)} (link below)")
        return
    # Each run reads the secret as it starts: one that ended a run's length after the edit
    # may have started before it.
    since = [r for r in runs if r.at >= edited + RUN_MAX_SECONDS and r.outcome != "skipped"]
    report.add("secret", f"last edited {_when(edited, proof.now)}")
    if any(r.outcome == "pushed" for r in since):
        report.working = True
        report.add("check", "credentials and API key work: a run since the edit pushed")
        return
    if since:
        report.add("check", f"the runs since the edit fail with {since[-1].error_code}")
    fusionsolar = _check_fusionsolar(secret, parameters, outputs, session, edited, proof)
    report.add("FusionSolar", fusionsolar[1])
    works = [fusionsolar[0]]
    if "chargehq" in sinks:
        chargehq = _check_chargehq(secret, runs, parameters, proof.now)
        report.add("ChargeHQ", chargehq[1])
        works.append(chargehq[0] is not False)
    for label, ok, text in sink_status.check_others(
        secret, sinks, _recent_reading(runs, proof.now), parameters, pv_url
    ):
        report.add(label, text)
        works.append(ok is not False)
    report.working = all(works)


def _check_fusionsolar(secret, parameters, outputs, session, edited, proof) -> tuple[bool, str]:
    store = SsmStateStore(outputs["StateParameterName"], session.client("ssm"))
    try:
        state = store.load()
        issued = state.token_issued_at or 0.0
        if state.token and (issued >= edited + RUN_MAX_SECONDS or proof.holds(issued)):
            return True, f"the credentials work (logged in with them at {_clock(issued)})"
        state.token, state.token_issued_at = None, None  # a token of the old credentials
        credentials = Credentials(secret.fusionsolar_username, secret.fusionsolar_system_code)
        client = FusionSolarClient(parameters["FusionSolarBaseUrl"], credentials, state)
        try:
            plants = client.list_plants()
        finally:
            store.save(state)  # the new token for the next run, or the lockout guard
        proof.keep(state.token_issued_at)
        found = match_plants(parameters["Station"], plants)
    except PlantNotFound as exc:
        return False, f"the credentials work, but {exc}"
    except BridgeError as exc:
        return False, f"{exc.code}: {exc}"
    names = ", ".join(repr(p.name) for p in found)
    which = f"plant {names}" if len(found) == 1 else f"plants {names}"
    return True, f"the credentials work now (logged in; {which} found)"


@dataclass
class LoginProof:
    """This machine's note of a token it got with a given secret version (.local/, mode 600).

    A token issued soon after an edit may come from a run that started before it (old secret);
    one that `make status` got itself is proof, so a second look needs no second login.
    """

    path: Path
    stack: str
    secret_version: str
    now: float = field(default_factory=time.time)

    def holds(self, issued: float) -> bool:
        try:
            note = json.loads(self.path.read_text(encoding="utf-8")).get(self.stack, {})
        except (OSError, ValueError):
            return False
        return note == {"secret_version": self.secret_version, "token_issued_at": issued}

    def keep(self, issued: float | None) -> None:
        if issued is None:
            return
        note = {self.stack: {"secret_version": self.secret_version, "token_issued_at": issued}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(note, f)


def _check_chargehq(secret, runs, parameters, now) -> tuple[bool | None, str]:
    pushed = [r for r in runs if r.outcome == "pushed" and r.site_meters]
    if not pushed or pushed[-1].at < now - RECENT_READING_SECONDS:
        return None, "no recent reading to push again: the next run that reads will tell"
    meters = SiteMeters(**pushed[-1].site_meters)
    try:
        ChargeHqClient(parameters["ChargeHqPushUrl"], secret.chargehq_api_key).push_site_meters(
            meters
        )
    except BridgeError as exc:
        return False, f"{exc.code}: {exc}"
    return True, f"the API key works now (it took the reading of {_clock(pushed[-1].at)} again)"


def _recent_reading(runs: list[RunLine], now: float) -> tuple[float, dict[str, float]] | None:
    pushed = [r for r in runs if r.outcome == "pushed" and r.site_meters]
    if not pushed or pushed[-1].at < now - RECENT_READING_SECONDS or not pushed[-1].site_meters:
        return None
    return pushed[-1].at, pushed[-1].site_meters


def _queued(client: Any, url: str | None) -> int:
    if not url:
        return 0
    names = ["ApproximateNumberOfMessages"]
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))


def _when(at: float, now: float) -> str:
    minutes = max(0, round((now - at) / 60))
    ago = f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"
    return f"{_clock(at)} ({ago})"


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone().strftime("%H:%M")


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value or 0)


if __name__ == "__main__":
    sys.exit(main())
