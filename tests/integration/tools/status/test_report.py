"""`make status` against a stack in moto, the FusionSolar emulator and the ChargeHQ receiver.

The stack's outputs and parameters, its logs (the runs' summary lines), its secret, state and
failure queue are real moto resources; FusionSolar and ChargeHQ answer over HTTP on loopback.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from emulator.fusionsolar.server import FusionSolarEmulator
from emulator.receivers.chargehq import ChargeHqReceiver
from fusioncharge.state import State
from fusioncharge.state.store import SsmStateStore
from tests.support.alarm import no_push_alarm
from tools.local.lambda_env import REGION, fake_aws
from tools.status.alarm import mail_line
from tools.status.report import main, status

STACK = "my-solar"
GROUP = "/aws/lambda/my-solar-poller"
STATE = "/my-solar/fusionsolar-state"
KEY = "0b7c2e4e-0000-4000-8000-000000000000"
USER, CODE = "demo", "demo"
METERS = {"production_kw": 2.4, "consumption_kw": 3.2, "net_import_kw": 0.8, "battery_soc": 0.62}
PUSHED = {
    "level": "INFO",
    "message": f"pushed {METERS} (3 FusionSolar calls, 0 logins)",
    "run_outcome": "pushed",
    "site_meters": METERS,
}
FAILED = {
    "level": "ERROR",
    "message": "FAILED fusionsolar_unavailable: FusionSolar timed out; ChargeHQ was told",
    "error_code": "fusionsolar_unavailable",
    "run_outcome": "failed",
}


@pytest.fixture
def site(tmp_path) -> Iterator[dict[str, Any]]:
    with (
        FusionSolarEmulator({"credentials": {"username": USER, "system_code": CODE}}) as emu,
        ChargeHqReceiver(api_key=KEY) as receiver,
        fake_aws(),
    ):
        session = boto3.Session(region_name=REGION)
        secret = session.client("secretsmanager").create_secret(
            Name="my-solar/credentials-abc", SecretString=_secret(USER, CODE, KEY)
        )["ARN"]
        queue = session.client("sqs").create_queue(QueueName="failures")["QueueUrl"]
        outputs = {
            "PollerFunctionName": "my-solar-poller",
            "SecretArn": secret,
            "StateParameterName": STATE,
            "FailureQueueUrl": queue,
            "SecretConsoleUrl": "https://console/secret",
            "LogsConsoleUrl": "https://console/logs",
        }
        parameters = {
            "FusionSolarBaseUrl": emu.base_url,
            "ChargeHqPushUrl": receiver.url,
            "Station": "Home",
            "ScheduleExpression": "rate(5 minutes)",
        }
        logs = session.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
        yield {
            "session": session,
            "emu": emu,
            "receiver": receiver,
            "secret": secret,
            "stack": (outputs, parameters),
            "checks": tmp_path / "status-checks.json",
        }


def _secret(user: str, code: str, key: str) -> str:
    keys = ("fusionsolar_username", "fusionsolar_system_code", "chargehq_api_key")
    return json.dumps(dict(zip(keys, (user, code, key), strict=True)))


def _runs(site: dict[str, Any], *lines: tuple[float, dict[str, Any]]) -> None:
    events = [{"timestamp": int(at * 1000), "message": json.dumps(m)} for at, m in lines]
    site["session"].client("logs").put_log_events(
        logGroupName=GROUP,
        logStreamName="s",
        logEvents=sorted(events, key=lambda e: e["timestamp"]),
    )


def _status(site: dict[str, Any], now: float) -> tuple[bool | None, str]:
    report = status(STACK, site["session"], *site["stack"], now=now, checks=site["checks"])
    return report.working, "\n".join(report.lines)


def _state(site: dict[str, Any]) -> State:
    ssm = site["session"].client("ssm")
    return State.from_json(ssm.get_parameter(Name=STATE, WithDecryption=True)["Parameter"]["Value"])


def test_a_healthy_stack_is_read_from_its_logs_without_calling_anyone(site):
    edited = time.time()
    later = edited + 3600
    _runs(site, (later - 1200, FAILED), (later - 600, PUSHED), (later - 300, PUSHED))
    working, text = _status(site, later)
    assert working is True, text
    assert "WORKING" in text.splitlines()[0]
    assert "production 2.4 kW, consumption 3.2 kW, grid import 0.8 kW, battery 62 %" in text
    assert "fusionsolar_unavailable" in text  # the last error, still shown
    assert "https://console/secret" in text and "https://console/logs" in text
    assert site["emu"].calls == [] and site["receiver"].pushes == []


def test_right_after_a_secret_edit_it_checks_without_spending_the_schedules_quota(site):
    edited = time.time()
    _runs(site, (edited - 400, FAILED), (edited - 100, PUSHED))  # before the edit
    working, text = _status(site, edited + 30)
    # Proven now, but WORKING only once a run since the edit pushed: the next one.
    assert working is None and text.startswith("my-solar (us-east-1): CHECKING: "), text
    assert "the credentials work now; the run at about" in text.splitlines()[0]
    assert "(before the secret's last edit)" in text  # the old error is labelled
    emu = site["emu"]
    assert emu.count("login") == 1 and emu.count("stations") == 1, text
    assert emu.count("getDevRealKpi") == 0  # the next scheduled reading is untouched
    (push,) = site["receiver"].pushes
    assert push.status == 200 and push.body["siteMeters"] == METERS and push.problems == []
    # The new token is saved: the next scheduled run needs no login of its own.
    assert _state(site).token
    # A second look finds that token and logs in no more.
    working, text = _status(site, edited + 60)
    assert working is None and emu.count("login") == 1, text
    # The next scheduled run pushes: now it works.
    _runs(site, (edited + 300, PUSHED))
    working, text = _status(site, edited + 330)
    assert working is True and "WORKING: your site meters reach ChargeHQ" in text, text
    assert emu.count("login") == 1 and "before the secret's last edit" in text


def test_rejected_credentials_are_tried_once_then_guarded(site):
    site["session"].client("secretsmanager").put_secret_value(
        SecretId=site["secret"], SecretString=_secret(USER, "wrong-code", KEY)
    )
    edited = time.time()
    _runs(site, (edited - 100, PUSHED))
    working, text = _status(site, edited + 30)
    assert working is False and "credentials_rejected" in text, text
    working, text = _status(site, edited + 60)
    assert working is False and "login_blocked" in text, text
    assert site["emu"].count("login") == 1  # the lockout guard held the second time
    assert _state(site).no_login_before is not None


def test_a_rotated_chargehq_key_is_reported(site):
    site["receiver"].api_key = "another-key"
    site["receiver"].reject_invalid = True
    edited = time.time()
    _runs(site, (edited - 100, PUSHED))
    working, text = _status(site, edited + 30)
    assert working is False and "chargehq_rejected" in text, text


def test_placeholders_are_named_and_nothing_is_called(site):
    site["session"].client("secretsmanager").put_secret_value(
        SecretId=site["secret"], SecretString=_secret("REPLACE_ME", "REPLACE_ME", KEY)
    )
    working, text = _status(site, time.time() + 30)
    assert working is False
    assert "fusionsolar_username, fusionsolar_system_code" in text
    assert site["emu"].calls == [] and site["receiver"].pushes == []


def test_failed_runs_are_counted_only_since_the_last_push(site):
    base = time.time()  # the secret was created (edited) now; these runs all come after it
    _runs(site, (base + 600, FAILED), (base + 900, FAILED), (base + 1200, PUSHED))
    working, text = _status(site, base + 1500)
    assert working is True and "failed runs" not in text, text  # old failures: not shown
    _runs(site, (base + 1500, FAILED))
    working, text = _status(site, base + 1600)
    assert "failed runs 1 since the last push" in text, text
    # One passing failure right after pushes is a blip, shown as one (not NOT WORKING).
    assert working is True and "one failed run at" in text and "is a blip" in text, text
    _runs(site, *((base + 1500 + 300 * k, FAILED) for k in range(1, 4)))
    working, text = _status(site, base + 3100)  # no push for 31 minutes: no longer a blip
    assert working is False and "fusionsolar_unavailable: nothing: FusionSolar is not" in text


@pytest.mark.parametrize(
    ("station", "working", "said"),
    [
        ("Home,EMMA Home", None, "plants 'Home', 'EMMA Home' found"),
        ("Home,Shed", False, "'Shed' in STATION 'Home,Shed' matches no plant"),
    ],
)
def test_a_station_of_several_plants_is_checked_plant_by_plant(site, station, working, said):
    site["stack"][1]["Station"] = station  # the emulator's account has both plants
    edited = time.time()
    _runs(site, (edited - 100, PUSHED))
    ok, text = _status(site, edited + 30)
    assert ok is working and said in text, text


def test_the_alarm_and_its_mail_subscription_are_shown(site):
    session = site["session"]
    sns, cloudwatch = session.client("sns"), session.client("cloudwatch")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    no_push_alarm(cloudwatch, f"{STACK}-NoPushAlarm-AB12CD", topic, stack=STACK)  # as CFN names it
    _runs(site, (time.time() - 100, PUSHED))
    _, text = _status(site, time.time() + 30)
    assert "(no push for 25 minutes mails)" in text, text
    assert "mail        no subscription" in text, text  # moto has no pending state to show
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    _, text = _status(site, time.time() + 30)
    assert "mail        to me@example.com (confirmed)" in text, text


def test_a_paused_stacks_alarm_is_said_to_mail_no_one(site):
    session = site["session"]
    topic = session.client("sns").create_topic(Name="alarms")["TopicArn"]
    cloudwatch = session.client("cloudwatch")
    no_push_alarm(cloudwatch, f"{STACK}-NoPushAlarm-AB12CD", topic, stack=STACK, paused=True)
    _runs(site, (time.time() - 100, PUSHED))
    _, text = _status(site, time.time() + 30)
    assert "mail        off while paused" in text, text


def test_the_mail_line_for_a_pending_subscription():
    class Sns:  # AWS's answer for an unconfirmed e-mail subscription (moto confirms at once)
        def list_subscriptions_by_topic(self, TopicArn: str) -> dict:
            return {
                "Subscriptions": [{"SubscriptionArn": "PendingConfirmation", "Endpoint": "a@b.c"}]
            }

    assert mail_line(Sns(), "topic") == "not confirmed: click the link AWS sent to a@b.c"


def test_no_stack_no_credentials_no_region_each_give_one_line(monkeypatch, capsys, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("STACK_NAME", "my-solar")
    monkeypatch.setenv("REGION", "eu-west-1")
    assert main() == 2
    out = capsys.readouterr()
    assert out.err.startswith("error: no AWS credentials on this machine. AWS access: "), out
    assert len(out.err.strip().splitlines()) == 1 and out.out == ""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("REGION")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    assert main() == 2
    assert capsys.readouterr().err.startswith("error: no AWS region")


def test_without_a_stack_name_it_is_not_deployed(monkeypatch, capsys):
    monkeypatch.setenv("STACK_NAME", "")
    assert main() == 4
    assert "NOT DEPLOYED: no stack here yet: make deploy" in capsys.readouterr().err


def test_each_configured_sink_is_shown_and_its_keys_checked(site):
    from emulator.receivers.hass import HassWebhook
    from emulator.receivers.pvoutput import PvOutputReceiver

    edited = time.time()
    gone = {
        **PUSHED,
        "sinks": {"chargehq": "FAILED", "hass": "ok", "pvoutput": "ok"},
        "sink_errors": {"chargehq": "chargehq_gone"},
    }
    _runs(site, (edited - 100, gone))
    outputs, parameters = site["stack"]
    site["stack"] = (outputs, {**parameters, "Sinks": "chargehq,hass,pvoutput"})
    working, text = _status(site, edited + 30)
    assert working is False, text
    assert "sinks       chargehq=FAILED (chargehq_gone) hass=ok pvoutput=ok" in text
    assert "still needs filling in: hass_webhook_url, pvoutput_api_key, pvoutput_system_id" in text

    with HassWebhook() as hass, PvOutputReceiver("k" * 40, "4242") as pvoutput:
        keys = {"hass_webhook_url": hass.url, "pvoutput_api_key": "k" * 40}
        secret = {**json.loads(_secret(USER, CODE, KEY)), **keys, "pvoutput_system_id": "4243"}
        secrets = site["session"].client("secretsmanager")
        secrets.put_secret_value(SecretId=site["secret"], SecretString=json.dumps(secret))
        site["stack"] = (outputs, {**parameters, "Sinks": "hass,pvoutput"})
        report = status(
            STACK,
            site["session"],
            *site["stack"],
            now=time.time() + 30,
            checks=site["checks"],
            sink_urls={"pvoutput": pvoutput.url},
        )
        working, text = report.working, "\n".join(report.lines)
    assert working is False, text  # PVOutput refused the system id
    assert "Home Assistant its webhook is confirmed" in text
    assert len(hass.received) == 1
    assert "pvoutput_rejected" in text and "Invalid System ID" in text
    assert "ChargeHQ" not in text.split("sinks")[-1]  # not listed: not checked


def test_a_plant_whose_nights_are_unknown_is_named(site):
    """The run's summary line carries where a plant is unknown (sun.py); status says so."""
    from fusioncharge.errors import ReadingsIncomplete
    from fusioncharge.run import report as run_report
    from fusioncharge.run.result import RunResult

    notice = "plant Home: the plant's place and clock are unknown (...); set PLANT_TIMEZONE"
    failed = RunResult(error=ReadingsIncomplete("inverter 1 active_power unknown"))
    failed.plant_notices = [notice]
    summary = run_report.summary(failed)
    line = {"level": "ERROR", "message": summary.line, **summary.fields}
    later = time.time() + 3600
    _runs(site, (later - 600, PUSHED), (later - 300, line))
    assert f"plant       {notice}" in _status(site, later)[1]
    _runs(site, (later - 10, PUSHED))  # a later run that no longer names it
    assert "plant " not in _status(site, later)[1].replace("plant list", "")


def test_a_receiver_that_received_nothing_for_30_minutes_is_named_never_working(site):
    secret = {**json.loads(_secret(USER, CODE, KEY)), "hass_webhook_url": "https://ha.example/x"}
    secrets = site["session"].client("secretsmanager")
    secrets.put_secret_value(SecretId=site["secret"], SecretString=json.dumps(secret))
    outputs, parameters = site["stack"]
    site["stack"] = (outputs, {**parameters, "Sinks": "chargehq,hass"})
    base = time.time()  # the secret was edited now; every run below comes after it
    half = {
        **PUSHED,
        "sinks": {"chargehq": "ok", "hass": "FAILED"},
        "sink_errors": {"hass": "hass_webhook_unknown"},
    }
    _runs(site, *((base + 300 * k, half) for k in range(1, 4)))
    working, text = _status(site, base + 1000)
    assert working is True, text  # 15 minutes: Home Assistant may still be restarting
    assert "received    ChargeHQ at" in text
    assert "Home Assistant: nothing in the last day (hass_webhook_unknown)" in text
    _runs(site, *((base + 300 * k, half) for k in range(4, 9)))
    working, text = _status(site, base + 2500)
    assert working is False, text
    headline = text.splitlines()[0]
    assert "NOT WORKING: Home Assistant has received nothing for 30 minutes" in headline
    assert "(hass_webhook_unknown)" in headline and "packages:" in headline
    whole = {**half, "sinks": {"chargehq": "ok", "hass": "ok"}, "sink_errors": {}}
    _runs(site, (base + 2700, whole))  # the package loaded: the webhook confirmed
    working, text = _status(site, base + 2800)
    assert working is True and "Home Assistant at" in text and "webhook confirmed" in text


@pytest.mark.parametrize(("after", "proof"), [(45, False), (59, False), (61, True)])
def test_only_a_run_that_started_after_the_edit_proves_the_secret(site, after, proof):
    """A run reads the secret as it starts and lasts up to 60 s (the function's timeout): one
    whose summary line came less than 60 s after the edit may have used the old secret."""
    # The edit's time as Secrets Manager keeps it (whole seconds), not this test's clock: the
    # site's setup after the edit may take over a second on a busy machine.
    described = site["session"].client("secretsmanager").describe_secret(SecretId=site["secret"])
    edited = described["LastChangedDate"].timestamp()
    _runs(site, (edited + after, PUSHED))
    _, text = _status(site, edited + after + 5)
    assert ("WORKING: " in text.splitlines()[0]) is proof, text
    assert (site["emu"].count("login") == 0) is proof, text  # no proof: it checks itself


@pytest.mark.parametrize("after", [5, 30, 55])
def test_a_token_got_soon_after_the_edit_proves_nothing(site, after):
    """A token a run got less than a run's length (60 s) after the edit may come from a run
    that started before it, with the old credentials: make status logs in itself. (A token
    got later is proof; the state refuses times more than 60 s ahead of the real clock, so
    that side is left to the test above, where a second look logs in no more.)"""
    edited = time.time()
    store = SsmStateStore(STATE, site["session"].client("ssm"))
    store.save(State(token="token-of-a-run", token_issued_at=edited + after))
    working, text = _status(site, edited + after + 5)
    assert working is None, text  # no run has pushed since the edit: CHECKING
    assert site["emu"].count("login") == 1, text
    assert "the credentials work now (logged in; plant 'Home' found)" in text, text
