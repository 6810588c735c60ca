"""The FusionSolar client against the emulator over loopback HTTP.

Client and emulator share one FakeClock; each "run" is a fresh client on state that went
through JSON (InMemoryStateStore), as a Lambda invocation with its state in SSM."""

import itertools
import math

import pytest

from fusioncharge.errors import (
    AccountLocked,
    CredentialsRejected,
    QuotaExceeded,
)
from fusioncharge.fusionsolar import Credentials
from tests.integration.fusionsolar.runs import RIGHT, WRONG


# --- lockout guard ---------------------------------------------------------------------------
def test_rejected_credentials_raise_and_set_the_guard(runs, emu):
    with pytest.raises(CredentialsRejected) as caught:
        runs.run(WRONG)
    message = str(caught.value)
    assert "fusionsolar_username" in message and "fusionsolar_system_code" in message
    assert WRONG.system_code not in message
    state = runs.state
    assert state.no_login_before == runs.clock.now() + 1800
    salt, digest = state.rejected_credentials.split("$")
    assert salt and len(digest) == 64
    assert WRONG.system_code not in runs.store.text
    assert state.token is None


def test_no_second_login_after_rejection_in_the_same_run(runs, emu):
    client = runs.new_client(WRONG)
    with pytest.raises(CredentialsRejected):
        client.list_plants()
    with pytest.raises(AccountLocked):
        client.list_plants()
    assert emu.count("login") == 1 and client.logins == 1


def test_no_login_within_30_minutes_of_a_rejection(runs, emu):
    with pytest.raises(CredentialsRejected):
        runs.run(WRONG)
    resume = runs.state.no_login_before
    for _ in range(5):
        runs.clock.advance(299)
        with pytest.raises(AccountLocked) as caught:
            runs.run(WRONG)
        assert runs.client.calls == 0
    assert emu.count() == 1
    message = str(caught.value)
    assert "UTC" in message and "fusionsolar_system_code" in message
    assert WRONG.system_code not in message
    runs.clock.set(resume)
    with pytest.raises(CredentialsRejected):
        runs.run(WRONG)  # the guard ran out: one more try
    assert emu.count("login") == 2


def test_changed_secret_lifts_the_guard_at_once(runs, emu):
    with pytest.raises(CredentialsRejected):
        runs.run(WRONG)
    runs.clock.advance(60)
    assert len(runs.run(RIGHT)) == 3
    state = runs.state
    assert state.no_login_before is None and state.rejected_credentials is None
    assert state.token


def test_password_changed_at_huawei_is_reported_and_then_fixed(runs, emu):
    runs.run()
    emu.set_password("new-Secret-1")
    emu.expire_tokens()
    runs.clock.advance(300)
    with pytest.raises(CredentialsRejected):
        runs.run()
    runs.clock.advance(300)
    with pytest.raises(AccountLocked):
        runs.run()
    runs.clock.advance(300)
    assert len(runs.run(Credentials("demo", "new-Secret-1"))) == 3


def test_a_wrong_password_never_locks_the_account_over_100_runs(runs, emu):
    for _ in range(100):
        with pytest.raises((CredentialsRejected, AccountLocked)):
            runs.run(WRONG)
        runs.clock.advance(300)
    wrong = [c.time for c in emu.calls if c.outcome == "wrong_password"]
    assert emu.count(outcome="locked") == 0
    assert len(wrong) == emu.count() == math.ceil(100 * 300 / 1800)
    assert all(b - a >= 1800 for a, b in itertools.pairwise(wrong))
    assert len(runs.run(RIGHT)) == 3  # and the right password still works


@pytest.mark.parametrize(
    ("code", "error"), [(20400, CredentialsRejected), (20403, AccountLocked), (407, QuotaExceeded)]
)
def test_login_fail_codes(runs, emu, code, error):
    emu.fault_next("login", "fail_code", code)
    with pytest.raises(error):
        runs.run()
    state = runs.state
    guarded = state.no_login_before is not None or state.locked_until is not None
    assert guarded == (code != 407)
    runs.clock.advance(300)
    if guarded:
        with pytest.raises(AccountLocked):
            runs.run()
        assert emu.count("login") == 1
    else:
        assert len(runs.run()) == 3
