"""The handler end to end: moto, the FusionSolar emulator and the ChargeHQ receiver over HTTP."""

import json
import logging

import pytest

from fusioncharge.errors import (
    AccountLocked,
    ChargeHqError,
    ConfigError,
    CredentialsRejected,
    FusionSolarUnavailable,
    PlantNotFound,
    SecretError,
)
from fusioncharge.state.codec import STATE_VERSION
from tests.support.run_checks import WORKED_EXAMPLE_METERS, LogCapture
from tools.local.site import Site, worked_example_scenario


def test_first_run_logs_in_discovers_and_pushes_the_right_site_meters():
    with Site(worked_example_scenario()) as site:
        out = site.run()
    assert out.error is None
    assert out.logins == 1
    assert out.calls_to("stations") == 1
    assert out.calls_to("getDevList") == 1
    assert out.calls_to("getDevRealKpi") == 3
    assert len(out.pushes) == 1
    push = out.pushes[0]
    assert push.problems == []
    assert push.body["apiKey"] == site.api_key
    assert push.body["siteMeters"] == WORKED_EXAMPLE_METERS  # docs/accounting.md's worked example
    assert out.returned["pushed"] is True
    assert out.returned["body"]["apiKey"] == "***"


def test_second_run_reuses_token_and_caches():
    with Site(worked_example_scenario()) as site:
        site.run()
        out = site.next_run()
    assert out.error is None
    assert out.logins == 0
    assert out.calls_to("stations") == 0
    assert out.calls_to("getDevList") == 0
    assert out.calls_to("getDevRealKpi") == 3  # one per device type
    assert len(out.calls) == 3
    assert len(out.pushes) == 1


def test_state_survives_a_cold_start_through_ssm_alone():
    with Site(worked_example_scenario()) as site:
        site.run()
        state_after_first = json.loads(site.state_text())
        assert state_after_first["token"]
        site.cold_start()
        out = site.next_run()
    assert out.error is None
    assert out.logins == 0
    assert out.calls_to("stations") + out.calls_to("getDevList") == 0


def test_a_plants_facts_are_said_once_a_container_and_again_after_a_cold_start():
    """A plant's place unknown: a WARNING in each container's first run, not every 5 minutes
    (every run's summary line carries it); a new container has said nothing yet."""
    notice = "the plant's place and clock are unknown"
    said = _Said()  # on the run log's own logger: Powertools points it at the first app's stream
    run_log = logging.getLogger("fusioncharge.run.log")
    run_log.addHandler(said)
    try:
        with Site(worked_example_scenario()) as site:
            site.run()
            site.next_run()
            site.cold_start()
            site.next_run()
            site.next_run()
    finally:
        run_log.removeHandler(said)
    assert [notice in m for m in said.warnings] == [True, True]


class _Said(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())


def test_token_is_refreshed_once_after_30_minutes():
    with Site(worked_example_scenario()) as site:
        site.run()
        logins = [site.next_run().logins for _ in range(6)]  # 5 ... 30 minutes later
    assert logins == [0, 0, 0, 0, 0, 1]


def test_garbage_in_the_state_parameter_is_survived():
    with Site(worked_example_scenario()) as site:
        site.put_state_text("{{{ not json")
        out = site.run()
        # The lost state may have held a reading made just now: that window is skipped.
        assert out.error is None and out.calls_to("getDevRealKpi") == 0
        assert "state saved by the last run was lost" in out.returned["skipped"]
        assert json.loads(site.state_text())["v"] == STATE_VERSION  # rewritten as good state
        assert len(site.next_run().pushes) == 1


def test_wrong_password_is_tried_once_then_guarded_until_the_secret_changes():
    with Site(worked_example_scenario()) as site:
        site.set_secret({**site.secret, "fusionsolar_system_code": "wrong"})
        first = site.run()
        assert isinstance(first.error, CredentialsRejected)
        assert first.logins == 1
        assert "error" in first.last_body  # ChargeHQ shows the problem
        guarded = [site.next_run() for _ in range(5)]  # the next 25 minutes
        assert all(isinstance(o.error, AccountLocked) for o in guarded)
        assert sum(o.logins for o in guarded) == 0
        assert all("error" in o.last_body for o in guarded)
        # The user fixes the password in the console: the very next run uses it.
        site.set_secret(site.secret)
        fixed = site.next_run()
    assert fixed.error is None
    assert fixed.logins == 1
    assert "siteMeters" in fixed.last_body


def test_placeholder_secret_says_which_key_to_fill_in_and_pushes_nothing():
    placeholders = {
        "fusionsolar_username": "REPLACE_ME",
        "fusionsolar_system_code": "REPLACE_ME",
        "chargehq_api_key": "REPLACE_ME",
    }
    with Site(worked_example_scenario(), secret=placeholders) as site:
        out = site.run()
    assert isinstance(out.error, SecretError)
    assert "fusionsolar_username" in str(out.error)
    assert site.secret_arn in str(out.error)
    assert out.calls == [] and out.pushes == []


def test_placeholder_fusionsolar_keys_with_a_known_api_key_tell_chargehq():
    with Site(worked_example_scenario()) as site:
        site.set_secret({**site.secret, "fusionsolar_system_code": "REPLACE_ME"})
        out = site.run()
    assert isinstance(out.error, SecretError)
    assert out.calls == []
    assert "fusionsolar_system_code" in out.last_body["error"]


def test_bad_setting_fails_at_once_naming_it():
    with Site(worked_example_scenario(), settings={"USE_BATTERY_DATA": "maybe"}) as site:
        out = site.run()
    assert isinstance(out.error, ConfigError)
    assert "USE_BATTERY_DATA" in str(out.error)
    assert out.calls == [] and out.pushes == []


def test_plant_not_found_lists_the_plants_and_tells_chargehq():
    with Site(worked_example_scenario(), settings={"STATION": "Holiday home"}) as site:
        out = site.run()
    assert isinstance(out.error, PlantNotFound)
    assert "Home" in str(out.error)
    assert "error" in out.last_body


def test_fusionsolar_down_ends_in_an_error_push_and_a_raised_error():
    scenario = worked_example_scenario()
    scenario["faults"] = [{"interface": "login", "kind": "http_500"}]
    with Site(scenario) as site:
        out = site.run()
    assert isinstance(out.error, FusionSolarUnavailable)
    assert out.pushes[-1].body["error"].startswith("fusionsolar_unavailable")
    assert out.pushes[-1].problems == []


def test_chargehq_down_raises():
    scenario = worked_example_scenario()
    scenario["faults"] = [{"interface": "chargehq", "kind": "http_500"}]
    with Site(scenario) as site:
        out = site.run()
    assert isinstance(out.error, ChargeHqError)
    assert out.calls_to("getDevRealKpi") == 3


def test_no_secret_reaches_the_logs(caplog):
    caplog.set_level(logging.DEBUG)  # as Lambda's ApplicationLogLevel=DEBUG would: all loggers
    with (
        Site(worked_example_scenario(), settings={"POWERTOOLS_LOG_LEVEL": "DEBUG"}) as site,
        LogCapture(site.app) as logs,
    ):
        site.run()
        site.set_secret({**site.secret, "fusionsolar_system_code": "wrong-Pa55"})
        site.emulator.expire_tokens()  # so the wrong password is really sent
        site.next_run()
        token = json.loads(site.state_text()).get("token")
        text = logs.text
    assert "pushed" in text and "credentials_rejected" in text
    assert '"_aws"' in text  # the metrics are in the capture too
    assert "ChargeHQ push" in text  # DEBUG shows the body (masked)
    for secret in ("wrong-Pa55", site.secret["fusionsolar_system_code"], site.api_key):
        assert secret not in text
    if token:
        assert token not in text


@pytest.mark.parametrize("dry_run", [True])
def test_dry_run_pushes_nothing(dry_run):
    with Site(worked_example_scenario()) as site:
        site.wiring.dry_run = dry_run
        out = site.run()
    assert out.error is None
    assert out.pushes == []
    assert out.returned["pushed"] is False
    assert out.returned["body"]["siteMeters"]["production_kw"] == 0.9


def test_nothing_sent_to_chargehq_names_the_aws_account():
    """A secret problem is pushed to ChargeHQ (a third party): its ARN holds the account id."""
    with Site(worked_example_scenario()) as site:
        site.set_secret(
            {**dict.fromkeys(site.secret, "REPLACE_ME"), "chargehq_api_key": site.api_key}
        )
        out = site.run()
        account = site.secret_arn.split(":")[4]
        pushed = json.dumps([p.body for p in out.pushes])
    assert "error" in out.last_body and "fusionsolar_system_code" in out.last_body["error"]
    assert "arn:" not in pushed and account not in pushed
    assert site.secret_arn in str(out.error)  # the log line keeps the full name
