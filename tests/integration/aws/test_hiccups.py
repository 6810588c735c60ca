"""When an AWS call is slow or fails once, the promises still hold (the real handler, moto).

A state save lost after the readings must not lead to a 407 in the next run, even when that
run comes a few seconds early (the schedule jitters); damaged numbers in the state must not
break every later run; an exception nobody expected is still reported as a failure.
"""

import json
from collections.abc import Iterator

import pytest

from fusioncharge.errors import InternalError, StateError
from tests.support.aws_faults import fail_calls
from tests.support.run_checks import (
    WORKED_EXAMPLE_METERS,
    LogCapture,
    library_logging_restored,
)
from tools.local.lambda_env import STATE_PARAMETER
from tools.local.site import Site, worked_example_scenario

EARLY = 297.0  # the next scheduled run, 3 s early


@pytest.fixture(scope="module", autouse=True)
def _library_logging() -> Iterator[None]:
    with library_logging_restored():
        yield


def test_a_save_throttled_once_is_retried_and_the_next_early_run_keeps_the_window() -> None:
    with Site(worked_example_scenario()) as site:
        assert site.run().error is None
        # The next run: its mark before the readings saves, the save after them is throttled.
        ssm = site.wiring.aws_client("ssm")
        fail_calls(ssm, "PutParameter", "ThrottlingException", {2}, name=STATE_PARAMETER)
        throttled = site.next_run()
        assert throttled.error is None and len(throttled.pushes) == 1
        early = site.next_run(EARLY)
        assert early.error is None and len(early.pushes) == 1
        assert site.emulator.count(outcome="quota") == 0


def test_a_save_lost_after_the_readings_skips_the_next_window_instead_of_a_407() -> None:
    """Every save after the readings fails (or the run is killed before it): the next run
    cannot know when the last readings counted, so it skips rather than risk a 407."""
    with Site(worked_example_scenario()) as site:
        assert site.run().error is None
        ssm = site.wiring.aws_client("ssm")
        fail_calls(ssm, "PutParameter", "ThrottlingException", range(2, 99), name=STATE_PARAMETER)
        lost = site.next_run()
        assert isinstance(lost.error, StateError) and lost.last_body.get("siteMeters")
        site.cold_start()  # AWS is well again
        early = site.next_run(EARLY)
        assert early.error is None and early.calls_to("getDevRealKpi") == 0
        assert "lost" in early.returned["skipped"]
        after = site.next_run()
        assert after.error is None and after.last_body["siteMeters"] == WORKED_EXAMPLE_METERS
        assert site.emulator.count(outcome="quota") == 0


@pytest.mark.parametrize(
    "damage",
    [
        {"last_fetch": {"38": float("nan")}},
        {"no_login_before": float("inf")},
        {"token_issued_at": True},
        {"last_fetch": {"38": 1e11}},  # far in the future: runs were skipped forever
    ],
    ids=["NaN", "Infinity", "boolean", "far future"],
)
def test_damaged_numbers_in_the_state_start_over_with_one_warning(damage: dict) -> None:
    with Site(worked_example_scenario()) as site, LogCapture(site.app) as logs:
        assert site.run().error is None
        state = json.loads(site.state_text() or "{}")
        site.put_state_text(json.dumps(state | damage))  # Python writes NaN and Infinity
        first = site.next_run()
        assert first.error is None  # no untyped error, no failure: a skipped window
        second = site.next_run()
        assert second.error is None and second.last_body["siteMeters"] == WORKED_EXAMPLE_METERS
    assert logs.text.count("starting over") == 1


def test_an_unexpected_exception_is_reported_as_a_failure(monkeypatch) -> None:
    """A bug (here a ValueError from the arithmetic) fails the run like any other error:
    summary line, Failures metric, an `error` push, a typed error for Lambda."""
    import fusioncharge.accounting.run_to_run

    def broken(*_: object) -> None:
        raise OverflowError("secret-looking detail 12345")

    with Site(worked_example_scenario()) as site, LogCapture(site.app) as logs:
        monkeypatch.setattr(fusioncharge.accounting.run_to_run, "account", broken)
        out = site.run()
        assert isinstance(out.error, InternalError)
        assert "OverflowError" in str(out.error) and "12345" not in str(out.error)
        assert out.last_body["error"].startswith("internal_error: unexpected OverflowError")
        failures = [m for m in logs.emf_lines() if "Failures" in m]
    assert len(failures) == 1
    assert "FAILED internal_error" in logs.text
    assert "dry run, not pushed" not in logs.text


def test_aws_calls_are_bounded_to_fit_the_run() -> None:
    """boto3's defaults (60 s to connect and to read, legacy retries) equal the Lambda timeout:
    one slow SSM or Secrets Manager call would end the run with no summary line or saved state.
    The function's clients are bounded so the slowest call fits the margin kept for the save."""
    from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS

    with Site(worked_example_scenario()) as site:
        assert site.run().error is None
        clients = [site.wiring.aws_client("ssm"), site.wiring.secret_source.provider.client]
        for client in clients:
            config = client.meta.config
            attempts = config.retries["total_max_attempts"]
            assert config.retries["mode"] == "standard"
            worst = attempts * (config.connect_timeout + config.read_timeout)
            assert worst <= AWS_CALL_MAX_SECONDS < site.app.DEADLINE_MARGIN_SECONDS
