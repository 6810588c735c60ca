"""CloudWatch's alarm evaluation, replayed over what each run of the function emitted.

Takes an alarm exactly as the template defines it (Period, EvaluationPeriods, DatapointsToAlarm,
Threshold, ComparisonOperator, Statistic, TreatMissingData, actions) and the per-run metrics
(the EMF lines the real handler printed, stamped with the run's time), and says when the alarm
changed state and which changes would send a notification. A metric this module cannot model
raises, so a new alarm in the template cannot slip past the replay.
"""

import math
from dataclasses import dataclass, field
from typing import Any

from tests.support.cfn import load_template, resources_of_type, transform

NAMESPACE = "FusionSolarChargeHQ"
COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
STATISTIC = {
    "Sum": sum,
    "Maximum": max,
    "Minimum": min,
    "Average": lambda values: sum(values) / len(values),
    "SampleCount": len,
}


@dataclass
class RunMetrics:
    """What one run sent to CloudWatch: its own EMF metrics and what Lambda counts for it."""

    time: float  # epoch seconds, when the run started
    emitted: dict[str, float]  # our namespace's metrics, summed over the run's EMF lines
    failed: bool  # the invocation ended in an error (AWS/Lambda Errors)

    def value(self, namespace: str, metric: str) -> float | None:
        if namespace == NAMESPACE:
            return self.emitted.get(metric)
        if (namespace, metric) == ("AWS/Lambda", "Errors"):
            return 1.0 if self.failed else 0.0
        if (namespace, metric) == ("AWS/Lambda", "Invocations"):
            return 1.0
        raise NotImplementedError(f"the replay does not model {namespace} {metric}")


def emf_metrics(lines: list[dict[str, Any]]) -> dict[str, float]:
    """Sum each metric over EMF objects, as CloudWatch stores them."""
    totals: dict[str, float] = {}
    for line in lines:
        for directive in line["_aws"]["CloudWatchMetrics"]:
            if directive["Namespace"] != NAMESPACE:
                continue
            for metric in directive["Metrics"]:
                name = metric["Name"]
                value = line[name]
                values = value if isinstance(value, list) else [value]
                totals[name] = totals.get(name, 0.0) + sum(float(v) for v in values)
    return totals


@dataclass
class Replay:
    """The alarm's state after every period, and the notifications it sent."""

    states: list[tuple[float, str]] = field(default_factory=list)  # (period end, state)
    notifications: list[tuple[float, str]] = field(default_factory=list)

    def state_at(self, when: float) -> str:
        """The state decided at the last period end at or before `when`."""
        state = "INSUFFICIENT_DATA"
        for end, value in self.states:
            if end > when:
                break
            state = value
        return state


def replay(alarm: dict[str, Any], runs: list[RunMetrics], end: float) -> Replay:
    """Evaluate `alarm` at every period end from a full window after the first run to `end`."""
    period = int(alarm["Period"])
    evaluations = int(alarm["EvaluationPeriods"])
    to_alarm = int(alarm.get("DatapointsToAlarm", evaluations))
    missing = alarm.get("TreatMissingData", "missing")
    compare = COMPARE[alarm["ComparisonOperator"]]
    statistic = STATISTIC[alarm["Statistic"]]
    actions = {
        "ALARM": bool(alarm.get("AlarmActions")),
        "OK": bool(alarm.get("OKActions")),
        "INSUFFICIENT_DATA": bool(alarm.get("InsufficientDataActions")),
    }
    buckets: dict[int, list[float]] = {}
    for run in runs:
        value = run.value(alarm["Namespace"], alarm["MetricName"])
        if value is not None:
            buckets.setdefault(math.floor(run.time / period), []).append(value)
    first = math.floor(runs[0].time / period) + evaluations
    result, state = Replay(), "INSUFFICIENT_DATA"
    for last in range(first, math.floor(end / period)):
        window = [buckets.get(b) for b in range(last - evaluations + 1, last + 1)]
        new_state = _evaluate(window, statistic, compare, alarm["Threshold"], to_alarm, missing)
        new_state = new_state or state  # "ignore": all missing keeps the state
        period_end = (last + 1) * period
        if new_state != state and actions[new_state]:
            result.notifications.append((period_end, new_state))
        state = new_state
        result.states.append((period_end, state))
    return result


def _evaluate(window, statistic, compare, threshold, to_alarm, missing) -> str | None:
    breaching = present = 0
    for values in window:
        if values is None:
            if missing == "breaching":
                breaching += 1
            elif missing != "notBreaching" and missing not in ("ignore", "missing"):
                raise NotImplementedError(f"TreatMissingData {missing}")
            continue
        present += 1
        breaching += compare(statistic(values), float(threshold))
    if missing in ("ignore", "missing") and present == 0:
        return None if missing == "ignore" else "INSUFFICIENT_DATA"
    return "ALARM" if breaching >= to_alarm else "OK"


def template_notifications(runs: list[RunMetrics], end: float) -> list[dict[str, Any]]:
    """Every notification the template's own alarms (with an AlarmEmail) would send over these
    runs, oldest first: {"alarm", "state", "at", "hour" (since the first run)}."""
    cfn = transform(load_template(), {"Station": "Home", "AlarmEmail": "me@example.com"})
    start = min(m.time for m in runs)
    mails = []
    for name, resource in resources_of_type(cfn, "AWS::CloudWatch::Alarm").items():
        alarm = {**resource["Properties"]}
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            if key in alarm:  # with an AlarmEmail, the condition holds: the topic is the action
                alarm[key] = alarm[key]["Fn::If"][1]
        for at, state in replay(alarm, runs, end).notifications:
            mails.append({"alarm": name, "state": state, "at": at, "hour": (at - start) / 3600})
    return sorted(mails, key=lambda m: m["at"])
