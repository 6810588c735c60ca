"""Shared fixtures: moto in place of AWS (fake credentials, so no real account is ever reached)."""

import sys

import pytest
from hypothesis import settings

from tools.local.lambda_env import fake_aws


def pytest_configure(config: pytest.Config) -> None:
    """No Hypothesis deadline (200 ms per example by default): a test never depends on the
    machine's speed, and one beside a second make test took 263 ms. pytest-timeout is the
    ceiling. A profile named on the command line (make mutate's) stays in charge."""
    if config.getoption("hypothesis_profile", None) is None:
        settings.register_profile("suite", deadline=None)
        settings.load_profile("suite")


@pytest.fixture
def aws():
    with fake_aws():
        yield


@pytest.fixture(autouse=True)
def _library_logging_restored():
    """Importing the handler rewires the library's loggers (as in Lambda): undo it after each
    test, so tests that read log records with caplog pass in any order. And its Powertools
    handler keeps the sys.stdout of the test that imported it, which pytest closes after that
    test: from then on it writes to whatever sys.stdout is, as in Lambda, where it never
    changes (else the next test's LogCapture failed with "I/O operation on closed file")."""
    from tests.support.run_checks import follow_stdout, library_logging_restored

    with library_logging_restored():
        yield
    follow_stdout(sys.modules.get("app"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A test's captured output may hold what cannot be UTF-8 (a plant name with a lone
    surrogate, logged as FusionSolar sent it); pytest-xdist's workers send reports as UTF-8 and
    crashed on it. Escaped here, as the terminal shows it anyway."""
    report: pytest.TestReport = yield
    report.sections = [
        (title, text.encode("utf-8", "backslashreplace").decode("utf-8"))
        for title, text in report.sections
    ]
    return report
