"""The lockout guard holds when a person makes the mistakes people make (the real handler).

Huawei locks an account for 30 minutes after 5 wrong passwords within 10 minutes, and then
refuses the right password too. The poller may make at most 2 wrong logins in any 10 minutes,
whatever the credentials, and counts each login in its saved state before sending it.
"""

from collections.abc import Iterator

import pytest

from fusioncharge.errors import AccountLocked, CredentialsRejected, StateError
from tests.support.aws_faults import answer_with_error, fail_calls, read_back_as
from tests.support.run_checks import LogCapture, RunLog, library_logging_restored
from tools.local.site import Site, worked_example_scenario

DAY = 288  # five-minute runs


@pytest.fixture(scope="module", autouse=True)
def _library_logging() -> Iterator[None]:
    with library_logging_restored():
        yield


def _wrong_secret(site: Site, number: int) -> dict:
    return {**site.secret, "fusionsolar_system_code": f"mistyped-code-{number}"}


def test_five_mistyped_codes_invoked_one_after_another_do_not_lock_the_account() -> None:
    """A day: the user saves five mistyped system codes, runs `make invoke` after each, then
    saves the right one and invokes again; the schedule carries on."""
    with Site(worked_example_scenario()) as site, LogCapture(site.app) as logs:
        runs = RunLog(site)
        for number in range(1, 6):  # one attempt every 90 s, between scheduled runs
            runs.set_secret(_wrong_secret(site, number))
            attempt = runs.run(advance=90)
            assert isinstance(attempt.error, CredentialsRejected | AccountLocked)
            assert "error" in attempt.outcome.last_body  # the ChargeHQ app shows it
        blocked = runs.runs[-1].error
        assert isinstance(blocked, AccountLocked) and "UTC" in str(blocked)
        assert "refused or unanswered" in str(blocked)  # why, and when the next try is
        runs.set_secret(site.secret)
        fixed_at = site.clock.now()
        first_push = None
        for _ in range(DAY):
            run = runs.run(advance=300)
            if first_push is None and run.pushed_site_meters:
                first_push = site.clock.now()
        wrong = [c.time for c in site.emulator.calls if c.outcome == "wrong_password"]
        assert len(wrong) == 2, wrong  # the first two mistakes; the other three never sent
        assert site.emulator.count(outcome="locked") == 0
        assert first_push is not None and first_push - fixed_at <= 600  # the 10-minute window
        assert sum(r.pushed_site_meters for r in runs.runs[-DAY + 2 :]) == DAY - 2
    runs.check_invariants(logs.text)


def test_a_huawei_lock_stops_every_login_for_30_minutes() -> None:
    """Locked by someone else: the right password is refused too (20400); saving another
    code must not add wrong logins to the lock."""
    with Site(worked_example_scenario()) as site, LogCapture(site.app) as logs:
        runs = RunLog(site)
        site.emulator.fault_next("login", "fail_code", 20400)
        locked = runs.run()
        assert isinstance(locked.error, CredentialsRejected)
        assert "no login of any credentials" in str(locked.error)
        runs.set_secret(_wrong_secret(site, 1))  # the user tries another code
        during = [runs.run(advance=300) for _ in range(5)]  # 25 minutes
        assert sum(r.outcome.logins for r in during) == 0
        assert all(isinstance(r.error, AccountLocked) for r in during)
        runs.set_secret(site.secret)
        after = runs.run(advance=300)  # 30 minutes on
        assert after.outcome.logins == 1 and after.pushed_site_meters
    runs.check_invariants(logs.text)


def test_a_lock_survives_a_save_throttled_once_after_the_refused_login() -> None:
    """The save after a refused login is what keeps the 30-minute stop: a throttled save is
    retried, so the next runs do not log in into a locked account."""
    with Site(worked_example_scenario()) as site, LogCapture(site.app) as logs:
        runs = RunLog(site)
        ssm = site.wiring.aws_client("ssm")
        fail_calls(ssm, "PutParameter", "ThrottlingException", {2})  # 1: the count; 2: the lock
        site.emulator.fault_next("login", "fail_code", 20400)
        locked = runs.run()
        assert isinstance(locked.error, CredentialsRejected)
        during = [runs.run(advance=300) for _ in range(5)]  # 25 minutes
        assert sum(r.outcome.logins for r in during) == 0
        assert all(isinstance(r.error, AccountLocked) for r in during)
    runs.check_invariants(logs.text)


def test_no_saved_guard_no_login() -> None:
    """PutParameter denied: the count cannot be kept, so the wrong code is never sent."""
    with Site(worked_example_scenario()) as site, LogCapture(site.app) as logs:
        site.set_secret(_wrong_secret(site, 1))
        answer_with_error(site.wiring.aws_client("ssm"), "PutParameter", "AccessDeniedException")
        outs = [site.run()] + [site.next_run() for _ in range(11)]
        assert site.emulator.count("login") == 0
        assert all(isinstance(o.error, StateError) for o in outs)
        assert all("not making the login" in str(o.error) for o in outs)
        assert all("error" in o.last_body for o in outs)  # ChargeHQ is told
    assert "FusionSolar" in logs.text


def test_a_state_read_back_as_garbage_does_not_hide_the_count() -> None:
    """Every read returns garbage: the count written before a login is not found again, so
    the login is not made (before, every run tried the wrong password again)."""
    with Site(worked_example_scenario()) as site:
        site.set_secret(_wrong_secret(site, 1))
        site.run()
        logins_before = site.emulator.count("login")
        read_back_as(site.wiring.aws_client("ssm"), "{ garbage")
        outs = [site.next_run() for _ in range(12)]
        assert site.emulator.count("login") == logins_before
        assert all(isinstance(o.error, StateError) for o in outs)


def test_a_password_changed_at_huawei_then_fixed_in_the_secret_pushes_at_once() -> None:
    """Guarded runs after the plant is known must not leave a pending-readings mark behind
    (the next run would skip its window for nothing)."""
    with Site(worked_example_scenario()) as site:
        assert site.run().error is None
        site.emulator.set_password("Changed-At-Huawei-1")
        site.emulator.expire_tokens()
        assert isinstance(site.next_run().error, CredentialsRejected)
        assert isinstance(site.next_run().error, AccountLocked)
        site.set_secret({**site.secret, "fusionsolar_system_code": "Changed-At-Huawei-1"})
        fixed = site.next_run()
        assert fixed.error is None and fixed.last_body.get("siteMeters"), fixed.returned


def test_a_corrected_secret_is_used_by_the_next_run_however_soon_it_comes() -> None:
    """README promises the next run uses a value fixed in the console. The schedule jitters
    by seconds, so the next run may come a little under 5 minutes after the last read."""
    with Site(worked_example_scenario()) as site:
        other_sites_key = "0b7c2e4e-0000-4000-8000-00000000beef"
        site.receiver.reject_invalid = True  # ChargeHQ refuses a key that is not the site's
        site.set_secret({**site.secret, "chargehq_api_key": other_sites_key})
        first = site.run()
        assert first.error is not None  # ChargeHQ refused the key (as recorded just below)
        assert [p.problems for p in first.pushes] == [["apiKey is not the site's key"]]
        site.clock.advance(20)
        site.set_secret(site.secret)  # fixed 20 s after that run
        early = site.next_run(277)  # the next scheduled run, 3 s early
        assert early.error is None, early.error
        assert early.last_body and early.last_body.get("siteMeters")
