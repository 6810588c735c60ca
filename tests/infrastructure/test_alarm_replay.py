"""The alarm replay judges alarm definitions, so it must catch the bad ones the issue lists."""

from tests.support.alarm_replay import RunMetrics, replay
from tests.support.cfn import load_template, only_resource, transform

START = 1_700_000_000.0
TOPIC = ["topic"]


def runs(every: float, hours: float, failing: set[int] = frozenset()) -> list[RunMetrics]:
    """A run every `every` seconds; those numbered in `failing` push nothing and fail."""
    count = int(hours * 3600 // every)
    return [
        RunMetrics(START + n * every + 7, {} if n in failing else {"Pushes": 1.0}, n in failing)
        for n in range(count)
    ]


def template_alarm() -> dict:
    cfn = transform(load_template(), {"Station": "Home", "AlarmEmail": "me@example.com"})
    alarm = dict(only_resource(cfn, "AWS::CloudWatch::Alarm")[1]["Properties"])
    alarm["AlarmActions"] = TOPIC
    return alarm


def mails(alarm: dict, week: list[RunMetrics]) -> int:
    return len(replay(alarm, week, week[-1].time).notifications)


def test_the_old_errors_alarm_mails_for_every_transient_failure():
    old = {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 300}
    old |= {"EvaluationPeriods": 1, "Threshold": 1, "TreatMissingData": "notBreaching"}
    old |= {"ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": TOPIC}
    old["OKActions"] = TOPIC
    day = runs(300, 24, failing={10, 50, 90, 130})
    # An alarm and an OK mail for each of 4 transient failures, and the first OK after deploy.
    assert mails(old, day) == 9
    assert mails(template_alarm(), day) == 0


def test_the_old_no_push_alarm_flaps_on_a_slow_schedule():
    old = {**template_alarm(), "Period": 1800, "EvaluationPeriods": 1, "DatapointsToAlarm": 1}
    hourly = runs(3600, 24)  # every run pushes
    assert mails(old, hourly) >= 20


def test_the_alarm_tells_a_real_outage_within_30_minutes_and_turns_green_by_itself():
    outage = set(range(100, 112))  # an hour of failed runs on the 5-minute schedule
    day = runs(300, 24, failing=outage)
    result = replay(template_alarm(), day, day[-1].time)
    ((at, state),) = result.notifications
    first_failure = day[100].time
    assert state == "ALARM" and first_failure < at <= first_failure + 1800
    assert result.state_at(day[115].time) == "OK"


def test_ten_minute_schedule_with_one_failed_run_stays_quiet():
    assert mails(template_alarm(), runs(600, 24, failing={20, 60})) == 0
    assert mails(template_alarm(), runs(600, 24, failing={20, 21, 22})) == 1
