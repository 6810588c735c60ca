"""Shared fixtures: moto in place of AWS (fake credentials, so no real account is ever reached)."""

import pytest

from tools.local.lambda_env import fake_aws


@pytest.fixture
def aws():
    with fake_aws():
        yield


@pytest.fixture(autouse=True)
def _library_logging_restored():
    """Importing the handler rewires the library's loggers (as in Lambda): undo it after each
    test, so tests that read log records with caplog pass in any order."""
    from tests.support.run_checks import library_logging_restored

    with library_logging_restored():
        yield
