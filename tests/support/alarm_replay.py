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


# CloudWatch fetches more periods than EvaluationPeriods (its "evaluation range"), counts the
# range's real datapoints first (the most recent ones when there are enough), and treats
# missing ones by TreatMissingData only to make up the rest. How many more it fetches is not
# published exactly; the replay takes 3 more by default, and the tests try 0 to 4.
EXTRA_RANGE = 3
SETTLE_SECONDS = 20 * 60  # fusioncharge/aws/alarm_mail.py: no re-arm of a younger alarm


@dataclass
class Replay:
    """The alarm's state after every evaluation, the notifications CloudWatch sent, and those
    that reached someone (an e-mail subscription drops what arrives before its confirmation)."""

    states: list[tuple[float, str]] = field(default_factory=list)  # (evaluated at, state)
    notifications: list[tuple[float, str]] = field(default_factory=list)
    mails: list[tuple[float, str]] = field(default_factory=list)
    rearmed: list[float] = field(default_factory=list)

    def state_at(self, when: float) -> str:
        """The state decided at the last evaluation at or before `when`."""
        state = "INSUFFICIENT_DATA"
        for end, value in self.states:
            if end > when:
                break
            state = value
        return state


def replay(
    alarm: dict[str, Any],
    runs: list[RunMetrics],
    end: float,
    *,
    created: float | None = None,
    confirmed: float | None = None,
    rearm: bool = False,
    extra_range: int = EXTRA_RANGE,
) -> Replay:
    """Evaluate `alarm` as CloudWatch does, from its creation to `end`.

    `created`: when the deploy created the alarm (it is evaluated a minute later, then at every
    period end); None for an alarm that existed long before the first run. `confirmed`: when
    the mail subscription was confirmed (None: before anything happened). `rearm`: the
    function's re-arm after runs that did not push (fusioncharge/aws/alarm_mail.py)."""
    period = int(alarm["Period"])
    evaluations = int(alarm["EvaluationPeriods"])
    to_alarm = int(alarm.get("DatapointsToAlarm", evaluations))
    rule = Rule(
        STATISTIC[alarm["Statistic"]],
        COMPARE[alarm["ComparisonOperator"]],
        float(alarm["Threshold"]),
        evaluations,
        to_alarm,
        alarm.get("TreatMissingData", "missing"),
    )
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
    if created is None:
        times = [
            (b + 1) * period
            for b in range(
                math.floor(runs[0].time / period) + evaluations, math.floor(end / period)
            )
        ]
    else:
        first = math.floor(created / period) + 1
        times = [created + 60] + [b * period for b in range(first, math.floor(end / period) + 1)]
    rearm_at = _rearm_times(runs, created, confirmed, period * evaluations) if rearm else []
    result, state, seen_rearm = Replay(), "INSUFFICIENT_DATA", 0
    for at in sorted(t for t in times if t <= end):
        while seen_rearm < len(rearm_at) and rearm_at[seen_rearm] <= at:
            if state == "ALARM":  # SetAlarmState(OK): no action for OK here, a fresh evaluation
                state = "OK"
                result.rearmed.append(rearm_at[seen_rearm])
            seen_rearm += 1
        last = math.floor(at / period) - 1  # the last complete period
        first_kept = last - evaluations - extra_range + 1
        window = [buckets.get(b) for b in range(first_kept, last + 1)]
        new_state = rule.evaluate(window) or state  # "ignore": all missing keeps the state
        if new_state != state and actions[new_state]:
            result.notifications.append((at, new_state))
            if confirmed is None or confirmed <= at:
                result.mails.append((at, new_state))
        state = new_state
        result.states.append((at, state))
    return result


def _rearm_times(
    runs: list[RunMetrics], created: float | None, confirmed: float | None, settle: float
) -> list[float]:
    """When the function would re-arm: the first non-pushing run that finds the subscription
    confirmed and the alarm old enough (then the tag stops it for good)."""
    for run in runs:
        pushed = (run.emitted.get("Pushes") or 0) > 0
        if pushed or (confirmed is not None and run.time < confirmed):
            continue
        if created is not None and run.time - created < SETTLE_SECONDS:
            continue
        return [run.time + 2]  # its calls come at the end of the run
    return []


@dataclass
class Rule:
    statistic: Any
    compare: Any
    threshold: float
    evaluations: int
    to_alarm: int
    missing: str

    def evaluate(self, window: list[list[float] | None]) -> str | None:
        """The state for one evaluation range (oldest period first), as CloudWatch documents:
        with at least EvaluationPeriods real datapoints, the most recent of them decide and
        missing data plays no part; with fewer, every real one counts and missing ones, taken
        as TreatMissingData says, make up the rest."""
        real = [self.compare(self.statistic(v), self.threshold) for v in window if v is not None]
        if len(real) >= self.evaluations:
            breaching = sum(real[-self.evaluations :])
            return "ALARM" if breaching >= self.to_alarm else "OK"
        if self.missing in ("ignore", "missing") and not real:
            return None if self.missing == "ignore" else "INSUFFICIENT_DATA"
        filler = self.evaluations - len(real)
        if self.missing == "breaching":
            breaching = sum(real) + filler
        elif self.missing in ("notBreaching", "missing", "ignore"):
            breaching = sum(real)
        else:
            raise NotImplementedError(f"TreatMissingData {self.missing}")
        return "ALARM" if breaching >= self.to_alarm else "OK"


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
