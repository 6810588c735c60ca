"""A login refused for Huawei's quota (407, HTTP 429, the gateway's quota) is not tried again
at every run: the poller backs off, 5 minutes, 15, 1 hour, 3 hours, then every 6 hours, kept in
the state (a cold start keeps it too), says that the block may be the address (Lambda's are
shared) and what to do; a correct login resets it. The real handler, the emulator, moto."""

from collections.abc import Iterator
from itertools import pairwise

import pytest

from tests.support.run_checks import LogCapture, library_logging_restored
from tools.local.site import Site, worked_example_scenario

MINUTE, HOUR = 60.0, 3600.0
BACKOFF = [5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 6 * HOUR]


@pytest.fixture(scope="module", autouse=True)
def _library_logging() -> Iterator[None]:
    with library_logging_restored():
        yield


def refusing_site(kind: str, code: int | None) -> Site:
    scenario = worked_example_scenario()
    fault = {"interface": "login", "kind": kind, "fail_code": code, "nth": None}
    scenario.setdefault("faults", []).append(fault)
    return Site(scenario)


@pytest.mark.parametrize(
    ("kind", "code"), [("fail_code", 407), ("http_429", None), ("gateway_quota", None)]
)
def test_a_login_refused_for_the_quota_backs_off_to_hours_not_every_run(kind, code) -> None:
    with refusing_site(kind, code) as site, LogCapture(site.app) as logs:
        runs = [site.run()]
        for n in range(288):  # a day of 5-minute runs
            if n == 100:
                site.cold_start()  # the back-off is in the state, not in the container
            runs.append(site.next_run())
        logins = [c.time for c in site.emulator.calls if c.interface == "login"]
    assert len(logins) <= 8, f"{len(logins)} logins in a day"
    gaps = [b - a for a, b in pairwise(logins)]
    assert all(gap >= want for gap, want in zip(gaps, BACKOFF, strict=False)), gaps
    assert all(r.error is not None and r.error.code == "quota_exceeded" for r in runs)
    said = str(runs[-1].error)
    assert "address" in said and "Lambda" in said and "make run LIVE=1" in said
    assert "a login reply is not shown" not in logs.text


def test_a_correct_login_resets_the_back_off() -> None:
    with Site(worked_example_scenario()) as site:
        for _ in range(3):
            site.emulator.fault_next("login", "fail_code", 407)
        runs = [site.run()] + [site.next_run() for _ in range(24)]  # 2 hours
        assert runs[-1].error is None and len(runs[-1].pushes) == 1  # logged in at last
        first_ok = next(i for i, r in enumerate(runs) if r.logins and r.error is None)
        assert first_ok >= 1 + 3 + 12 - 1  # after 5 and 15 minutes, then an hour of back-off
        site.clock.advance(30 * MINUTE)  # the token has expired: the next run logs in
        site.emulator.fault_next("login", "fail_code", 407)
        refused = site.run()
        assert refused.logins == 1 and refused.error is not None
        again = site.next_run()  # 5 minutes later: the back-off starts at 5 minutes again
        assert again.logins == 1 and again.error is None
