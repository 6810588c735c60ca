"""The alarm replay judges alarm definitions, so it must catch the bad ones the issue lists; and
the template's alarm, fed what the real handler emits, must mail each case in time.

Each case prints its mail minutes (run with -s): minutes after the deploy for a first setup,
after the first failed run for an outage.
"""

import contextlib
import io
import json

import pytest

from fusioncharge.errors import ChargeHqUnavailable, CredentialsRejected
from fusioncharge.run.result import RunResult
from tests.support.alarm import template_alarm as alarm_properties
from tests.support.alarm_replay import RunMetrics, emf_metrics, replay
from tests.support.run_checks import library_logging_restored

START = 5_666_667 * 300.0  # a period boundary
TOPIC = ["topic"]
BOUND = 1800  # an outage or a never-working setup is mailed within 30 minutes


def emitted(result: RunResult) -> dict[str, float]:
    """The metrics the real handler's _report emits for this run (its EMF line, parsed)."""
    app = pytest.importorskip("app")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        app._report(result)
        app.metrics.flush_metrics()
    lines = [json.loads(x) for x in out.getvalue().splitlines() if x.startswith('{"_aws"')]
    return emf_metrics(lines)


@pytest.fixture(scope="module", autouse=True)
def _library_logging():
    with library_logging_restored():  # importing the handler hands the loggers to Powertools
        yield


@pytest.fixture(scope="module")
def kinds(_library_logging) -> dict[str, dict[str, float]]:
    return {
        "pushed": emitted(RunResult(pushed=True, sinks={"chargehq": "ok"})),
        # ChargeHQ was told the error: a push, but of no site meters.
        "failed": emitted(RunResult(pushed=True, told="x", error=CredentialsRejected())),
        "down": emitted(RunResult(error=ChargeHqUnavailable("ChargeHQ timed out"))),
        "skipped": emitted(RunResult(skipped="Huawei's window")),
    }


def test_every_run_that_ends_says_whether_it_pushed(kinds):
    assert [kinds[k].get("Pushes") for k in ("pushed", "failed", "down", "skipped")] == [1, 0, 0, 0]


def runs(
    every: float, hours: float, failing: set[int] = frozenset(), kinds=None
) -> list[RunMetrics]:
    """A run every `every` seconds, 7 s into its period; those numbered in `failing` fail."""
    kinds = kinds or {"pushed": {"Pushes": 1.0}, "failed": {}}
    count = int(hours * 3600 // every)
    return [
        RunMetrics(
            START + n * every + 7, kinds["failed" if n in failing else "pushed"], n in failing
        )
        for n in range(count)
    ]


def template_alarm() -> dict:
    alarm = alarm_properties()
    alarm["AlarmActions"] = TOPIC
    return alarm


def mails(alarm: dict, week: list[RunMetrics], **options) -> int:
    return len(replay(alarm, week, week[-1].time, **options).notifications)


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
    # Where CloudWatch fetches no period beyond the evaluation's (the narrowest range).
    assert mails(old, hourly, extra_range=0) >= 20


def test_failed_runs_that_emit_nothing_are_mailed_late_or_never():
    """The issue's finding: older real pushes in the evaluation range outweigh the gaps."""
    old = {**template_alarm(), "EvaluationPeriods": 6, "DatapointsToAlarm": 6}
    silent = {"pushed": {"Pushes": 1.0}, "failed": {}}
    day = runs(300, 24, failing=set(range(100, 107)), kinds=silent)  # 35 minutes down
    assert replay(old, day, day[-1].time).notifications == []
    day = runs(300, 24, failing=set(range(100, 112)), kinds=silent)  # an hour down
    ((at, _),) = replay(old, day, day[-1].time).notifications
    assert at - day[100].time > BOUND


def test_the_alarm_tells_a_real_outage_within_30_minutes_and_turns_green_by_itself(kinds):
    outage = set(range(100, 112))  # an hour of failed runs on the 5-minute schedule
    day = runs(300, 24, failing=outage, kinds=kinds)
    result = replay(template_alarm(), day, day[-1].time)
    ((at, state),) = result.notifications
    first_failure = day[100].time
    assert state == "ALARM" and first_failure < at <= first_failure + BOUND
    assert result.state_at(day[115].time) == "OK"


def test_one_charging_receiver_that_receives_nothing_mails_while_the_other_works():
    """Sinks=chargehq,hass with Home Assistant's webhook unknown: the runs do not fail (ChargeHQ
    got the readings), yet the alarm mails within 30 minutes, and not for a single miss."""
    half = {
        "pushed": emitted(RunResult(pushed=True, sinks={"chargehq": "ok", "hass": "ok"})),
        "failed": emitted(RunResult(pushed=True, sinks={"chargehq": "ok", "hass": "FAILED"})),
    }
    day = runs(300, 24, failing=set(range(100, 112)), kinds=half)
    ((at, state),) = replay(template_alarm(), day, day[-1].time).notifications
    assert state == "ALARM" and day[100].time < at <= day[100].time + BOUND
    assert mails(template_alarm(), runs(300, 24, failing={50}, kinds=half)) == 0


def test_ten_minute_schedule_with_one_failed_run_stays_quiet(kinds):
    assert mails(template_alarm(), runs(600, 24, failing={20, 60}, kinds=kinds)) == 0
    # Every other period is missing on this schedule, so the range's older push decides longer:
    # an hour's outage still mails once, later than on the 5-minute schedule (docs/reference.md).
    day = runs(600, 24, failing=set(range(20, 26)), kinds=kinds)
    ((at, _),) = replay(template_alarm(), day, day[-1].time).notifications
    assert at - day[20].time <= 45 * 60


def _case(
    kinds,
    failing: set[int],
    *,
    hours: float = 8,
    new: bool = False,
    confirm: float = 0,
    extra_range: int = 3,
) -> tuple[list[float], float]:
    """(mail minutes, reference time): runs every 5 minutes; a new stack is deployed just
    before its first run (its alarm created then) and the address confirmed `confirm` s later."""
    day = runs(300, hours, failing=failing, kinds=kinds)
    created = START - 60 if new else None
    confirmed = created + confirm if new else None
    result = replay(
        template_alarm(),
        day,
        day[-1].time + 300,
        created=created,
        confirmed=confirmed,
        rearm=True,
        extra_range=extra_range,
    )
    alarms = [at for at, state in result.mails if state == "ALARM"]
    outage_start = day[min(failing)].time if failing else START
    reference = max(created, confirmed) if new else outage_start
    return [round((at - reference) / 60, 1) for at in alarms], reference


OUTAGES = {  # name: (first failed run, runs failed) on the 5-minute schedule
    "wrong secret for an hour": (40, 12),
    "FusionSolar down 3 hours": (40, 36),
    "ChargeHQ down 20 minutes": (40, 4),
    "ChargeHQ down 40 minutes": (40, 8),
}


@pytest.mark.parametrize("extra_range", [0, 1, 2, 3, 4])
def test_mail_minutes_of_each_case(kinds, extra_range):
    printed = []
    for name, (first, count) in OUTAGES.items():
        minutes, _ = _case(kinds, set(range(first, first + count)), extra_range=extra_range)
        printed.append(f"{name}: mails at {minutes} min after the first failed run")
        if count * 5 < 25:
            assert minutes == [], (name, minutes)
        else:
            assert len(minutes) == 1 and 0 < minutes[0] <= BOUND / 60, (name, minutes)
    for confirm in (120, 1200, 3600, 3 * 3600):
        never = set(range(200))
        minutes, _ = _case(kinds, never, new=True, confirm=confirm, extra_range=extra_range)
        printed.append(
            f"a setup that never pushes, mail confirmed {confirm // 60} min after the deploy:"
            f" mails at {minutes} min after the later of the two"
        )
        assert len(minutes) == 1 and 0 < minutes[0] <= BOUND / 60, (confirm, minutes)
    # A setup that works from its first run: the ALARM of the alarm's first minute goes to the
    # unconfirmed address, the first push turns it OK, and nothing reaches the mailbox.
    minutes, _ = _case(kinds, set(), new=True, confirm=120, extra_range=extra_range)
    assert minutes == []
    minutes, _ = _case(kinds, {0, 1}, new=True, confirm=240, extra_range=extra_range)
    printed.append(f"first two runs fail, then push: mails at {minutes}")
    assert minutes == []
    print(f"\nalarm mail minutes (evaluation range {extra_range} periods beyond 5):")
    print("\n".join("  " + line for line in printed))


def test_skipped_runs_alone_never_mail(kinds):
    # Huawei's window skipped every other run for a day: pushes every 10 minutes still.
    mixed = {"pushed": kinds["pushed"], "failed": kinds["skipped"]}
    day = runs(300, 24, failing=set(range(1, 288, 2)), kinds=mixed)
    assert replay(template_alarm(), day, day[-1].time).notifications == []
