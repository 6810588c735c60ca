"""Fixtures for the template tests: the template as written, and after the SAM transform."""

import os
from typing import Any

import pytest

from tests.support.cfn import FAKE_REGION, VENV_BIN, load_template, transform


@pytest.fixture(scope="session")
def sam_template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="session")
def cfn(sam_template: dict[str, Any]) -> dict[str, Any]:
    return transform(sam_template)


@pytest.fixture(scope="session")
def offline_aws_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for AWS tools with a fake region and no credentials at all."""
    home = tmp_path_factory.mktemp("aws-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_DEFAULT_REGION=FAKE_REGION,
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        SAM_CLI_TELEMETRY="0",
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env
