"""`make logs` shows one line per run: the real handler's summary lines, through
tools.status.run_lines."""

import io
import json
from collections.abc import Iterator

import pytest

from tests.support.run_checks import (
    WORKED_EXAMPLE_METERS,
    LogCapture,
    library_logging_restored,
)
from tools.local.site import Site, worked_example_scenario
from tools.status.run_lines import main


@pytest.fixture(scope="module", autouse=True)
def _library_logging() -> Iterator[None]:
    with library_logging_restored():
        yield


def as_sam_logs_json(log_text: str) -> str:
    """What `sam logs --output json` prints: one CloudWatch event per line."""
    events = [
        json.dumps({"timestamp": 1_700_000_000_000 + n, "message": line, "logStreamName": "s"})
        for n, line in enumerate(log_text.splitlines())
    ]
    return "Tailing logs...\n" + "\n".join(events) + "\n"


def test_each_run_is_one_line_with_its_site_meters_or_error():
    with Site(worked_example_scenario()) as site, LogCapture(site.app, debug=False) as log:
        assert site.run().error is None
        site.emulator.fault_next("getDevRealKpi", "http_403_quota")
        assert site.next_run().error is not None
        text = log.text
    assert len(text.splitlines()) > 2  # the handler writes more than its summaries
    out = io.StringIO()
    main(io.StringIO(as_sam_logs_json(text)), out)
    pushed, failed = out.getvalue().splitlines()
    meters = WORKED_EXAMPLE_METERS
    assert "pushed" in pushed and f"production {meters['production_kw']:g} kW" in pushed
    assert f"battery {meters['battery_soc'] * 100:.0f} %" in pushed
    assert "FAILED   quota_exceeded:" in failed
