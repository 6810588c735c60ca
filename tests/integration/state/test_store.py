"""The secret and the SSM state store against moto."""

import json
import logging

import boto3
import pytest

from emulator.clock import FakeClock
from fusioncharge.errors import SecretError, StateError
from fusioncharge.models import Device
from fusioncharge.settings.secret import SecretSource, parse_secret
from fusioncharge.state import State
from fusioncharge.state.store import SsmStateStore
from tests.support.aws_faults import answer_with_error
from tools.local.lambda_env import REGION, seed_secret

NAME = "/fusionsolar-chargehq/fusionsolar-state"
GOOD = {
    "fusionsolar_username": "alice",
    "fusionsolar_system_code": "s3cret-Pass",
    "chargehq_api_key": "0b7c2e4e-1111-4000-8000-000000000000",
}


def ssm():
    return boto3.client("ssm", region_name=REGION)


def test_state_round_trips_as_secure_string(aws):
    store = SsmStateStore(NAME, ssm())
    assert store.load() == State()  # parameter does not exist yet: first run
    state = State(token="abc", token_issued_at=1.0, last_fetch={"38": 2.0})
    store.save(state)
    assert SsmStateStore(NAME, ssm()).load() == state
    meta = ssm().get_parameter(Name=NAME)["Parameter"]
    assert meta["Type"] == "SecureString"


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    "garbage",
    [
        "not json",
        '{"v": 7}',
        "[1,2]",
        '{"v": 1, "last_fetch": {"38": NaN}}',  # Python's json reads NaN and Infinity
        '{"v": 1, "no_login_before": Infinity}',
        '{"v": 1, "server_lead": -Infinity}',
        '{"v": 1, "token_issued_at": true}',  # a boolean is no time
        '{"v": 1, "login_tries": [false]}',
        f'{{"v": 1, "last_fetch": {{"38": {NOW + 3600}}}}}',  # an hour ahead: skipped runs
        f'{{"v": 1, "locked_until": {NOW + 86400}}}',  # a day ahead: no login for a day
        f'{{"v": 1, "token_issued_at": {NOW + 1e12}}}',  # beyond datetime's range
    ],
)
def test_garbage_in_the_parameter_is_survived_and_logged(aws, caplog, garbage):
    ssm().put_parameter(Name=NAME, Value=garbage, Type="SecureString")
    with caplog.at_level(logging.WARNING):
        state = SsmStateStore(NAME, ssm(), clock=FakeClock(NOW)).load()
    # Starting over, as if the lost state held a reading made just now (no 407 risk).
    assert state == State(kpi_pending=NOW)
    assert caplog.text.count("starting over") == 1


def test_damage_elsewhere_does_not_forget_the_lockout_guard(aws, caplog):
    """A time written ahead (by a laptop's clock, say) damages the state; the wrong logins
    counted and the lock it holds are still kept, or the next runs could lock the account."""
    damaged = State(
        login_tries=[NOW - 120, NOW - 60],
        locked_until=NOW + 1500,
        no_login_before=NOW + 1200,
        rejected_credentials="salt$hash",
        plant_checked_at=NOW + 600,  # the damage
    )
    ssm().put_parameter(Name=NAME, Value=damaged.to_json(), Type="SecureString")
    with caplog.at_level(logging.WARNING):
        state = SsmStateStore(NAME, ssm(), clock=FakeClock(NOW)).load()
    assert state == State(
        kpi_pending=NOW,
        login_tries=[NOW - 120, NOW - 60],
        locked_until=NOW + 1500,
        no_login_before=NOW + 1200,
        rejected_credentials="salt$hash",
    )
    assert caplog.text.count("starting over") == 1


def test_times_a_little_ahead_are_kept(aws):
    """A guard runs 30 minutes ahead and a clock may differ by seconds: not damage."""
    state = State(
        token_issued_at=NOW + 30,
        locked_until=NOW + 1800,
        login_tries=[NOW + 5],
        server_leads=[-9.0],
    )
    SsmStateStore(NAME, ssm()).save(state)
    assert SsmStateStore(NAME, ssm(), clock=FakeClock(NOW)).load() == state


@pytest.mark.parametrize("code", ["AccessDeniedException", "ThrottlingException"])
@pytest.mark.parametrize("operation", ["GetParameter", "PutParameter"])
def test_aws_errors_become_state_errors(aws, code, operation):
    client = ssm()
    answer_with_error(client, operation, code)
    store = SsmStateStore(NAME, client)
    with pytest.raises(StateError) as err:
        store.load() if operation == "GetParameter" else store.save(State(token="x"))
    assert code in str(err.value)
    assert NAME in str(err.value)


def test_secret_is_read_afresh_each_time(aws):
    """A value fixed in the console is what the next read returns: no cache between runs."""
    arn = seed_secret(GOOD)
    source = SecretSource(arn)
    first = source.get()
    assert (first.fusionsolar_username, first.fusionsolar_system_code) == ("alice", "s3cret-Pass")
    seed_secret({**GOOD, "fusionsolar_system_code": "new-pass"})
    assert source.get().fusionsolar_system_code == "new-pass"
    assert "s3cret" not in repr(first)


def test_missing_secret_names_it(aws):
    with pytest.raises(SecretError, match="ResourceNotFoundException"):
        SecretSource("no-such-secret").get()


def test_secret_not_json_names_the_keys_but_no_value(aws):
    arn = seed_secret("password=hunter2")
    with pytest.raises(SecretError) as err:
        SecretSource(arn).get()
    assert "fusionsolar_system_code" in str(err.value)
    assert "hunter2" not in str(err.value)
    assert err.value.__cause__ is None


@pytest.mark.parametrize("value", ["REPLACE_ME", "replace_me ", "", "  ", None, 42, "..."])
def test_placeholders_count_as_missing(value):
    secret = parse_secret({**GOOD, "fusionsolar_system_code": value}, "arn:x")
    assert secret.missing() == ["fusionsolar_system_code"]


@pytest.mark.parametrize("value", ["Change2024!x", "yourhome_api", "todo-list-9", "xxxYZ"])
def test_real_values_that_look_like_words_are_not_placeholders(value):
    secret = parse_secret({**GOOD, "fusionsolar_username": value}, "arn:x")
    assert secret.missing() == []
    assert secret.fusionsolar_username == value


def test_a_device_list_too_big_for_ssm_is_left_out_and_the_guard_kept(aws):
    # 300 read devices whose ids lie far apart (steps as long as the ids): no encoding fits
    ids = [10**15 + (i * 2654435761 % 10**6) * 10**8 for i in range(300)]
    huge = State(devices=[Device(i, "", 38, "NE=1") for i in ids], login_tries=[1.0])
    store = SsmStateStore(NAME, ssm())
    store.save(huge)  # salvaged: a cache, fetched again when needed
    kept = State.from_json(
        ssm().get_parameter(Name=NAME, WithDecryption=True)["Parameter"]["Value"]
    )
    assert kept.devices is None and kept.login_tries == [1.0]


def test_a_state_too_big_for_ssm_even_salvaged_is_refused_by_name(aws):
    huge = State(token="x" * 5000)  # nothing left to drop: the token is kept
    with pytest.raises(StateError, match="does not fit"):
        SsmStateStore(NAME, ssm()).save(huge)


def test_secret_json_that_is_not_an_object(aws):
    with pytest.raises(SecretError, match="JSON object"):
        parse_secret(json.loads("[1]"), "arn:x")
