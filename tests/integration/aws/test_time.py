"""Whatever AWS does, a run ends inside the function's timeout with its own summary line: every
SSM attempt, first or retry, starts only with time for a whole attempt (the real handler, moto
answering through hooks that hang on the fake clock: no real time passes)."""

from collections.abc import Iterator

import pytest

from fusioncharge.aws.clients import AWS_TIMEOUTS
from tests.support.aws_faults import hang_calls
from tests.support.run_checks import LogCapture, library_logging_restored
from tools.local.site import Site, worked_example_scenario

TIMEOUT = 60.0  # the function's Timeout in template.yaml
HANG = sum(AWS_TIMEOUTS)  # an attempt that never answers ends at the client's timeouts


@pytest.fixture(scope="module", autouse=True)
def _library_logging() -> Iterator[None]:
    with library_logging_restored():
        yield


@pytest.mark.parametrize(
    "hanging",
    [("PutParameter",), ("GetParameter", "PutParameter")],
    ids=["every save hangs", "every read and save hangs"],
)
def test_a_hanging_ssm_still_ends_the_run_in_time_with_its_summary_line(hanging) -> None:
    with Site(worked_example_scenario()) as site, LogCapture(site.app) as logs:
        assert site.run().error is None
        site.clock.advance(300)
        ssm = site.wiring.aws_client("ssm")
        attempts = [hang_calls(ssm, op, site.clock, HANG) for op in hanging]
        start = site.clock.now()
        out = site.run(timeout_seconds=TIMEOUT)
        ended = site.clock.now()
        assert out.error is not None and out.error.code == "state"
        assert not any("siteMeters" in p.body for p in out.pushes)  # no reading unmarked
        assert ended - start < TIMEOUT
        started = [at for op in attempts for at in op]
        assert len(started) >= 2  # tried again while there was time
        assert all(at + HANG <= start + TIMEOUT for at in started)
    summaries = [line for line in logs.text.splitlines() if "run_outcome" in line]
    assert len(summaries) == 2 and "FAILED state" in summaries[-1]


def test_a_hanging_secrets_manager_is_tried_again_only_with_time_for_a_whole_attempt() -> None:
    with Site(worked_example_scenario()) as site, LogCapture(site.app) as logs:
        assert site.run().error is None
        site.clock.advance(300)
        secrets = site.wiring.secret_source.provider.client
        started = hang_calls(secrets, "GetSecretValue", site.clock, HANG)
        room = site.app.DEADLINE_MARGIN_SECONDS + 2 * HANG - 0.5  # for one attempt, not two
        out = site.run(timeout_seconds=room)
        assert out.error is not None and out.error.code == "secret"
        assert len(started) == 1
        site.clock.advance(300)
        out = site.run(timeout_seconds=TIMEOUT)  # time for both: both tried, and both hang
        assert out.error is not None and out.error.code == "secret" and len(started) == 3
    summaries = [line for line in logs.text.splitlines() if "run_outcome" in line]
    assert sum("FAILED secret" in line for line in summaries) == 2
