"""Shared fixtures: moto in place of AWS (fake credentials, so no real account is ever reached)."""

import pytest

from tools.lambda_env import fake_aws


@pytest.fixture
def aws():
    with fake_aws():
        yield
