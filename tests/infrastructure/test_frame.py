"""The Makefile, .ci/run and README, run as a user would in a scratch copy of the project.

The scratch copy gets stand-ins for the AWS SAM CLI and the AWS CLI (scripts that record their
arguments), and tiny tools/emulator modules that print what make passed them, so the Makefile's
own logic is what is tested: guided first deploy, stack and region from the saved settings,
the SSM parameter clean-up, variables passed through, virtualenv (re)creation.
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.infrastructure.cfn import ROOT

TARGETS = ["test", "run", "discover", "emulator", "bench", "build", "deploy", "logs", "invoke"]
TARGETS += ["delete", "audit", "lint", "fmt"]
ENV_VARS = ["FUSIONSOLAR_BASE_URL", "STATION", "USE_POWER_SENSOR_DATA", "USE_GRID_METER_DATA"]
ENV_VARS += [
    "USE_EMMA_DATA",
    "GRID_METER_POWER_UNIT",
    "USE_BATTERY_DATA",
    "METER_EXPORT_POSITIVE",
    "BATTERY_COUPLING",
    "BATTERY_CAPACITY_KWH",
]
ENV_VARS += ["CHARGEHQ_PUSH_URL", "POWERTOOLS_LOG_LEVEL", "SECRET_ID", "TOKEN_PARAMETER"]
MAKE = shutil.which("make")

RECORDER = """#!/bin/sh
echo "$(basename "$0") $*" >> "$CALLS"
case "$1" in
  --version) exit "${AWS_CLI_MISSING:-0}" ;;
  cloudformation) exit 254 ;;
esac
exit 0
"""
ECHO_MODULE = """import json, os, sys
print(json.dumps({"argv": sys.argv[1:], "env": {k: os.environ.get(k) for k in
    ("SCENARIO", "LIVE", "DRY_RUN", "RUNS")}, "path": os.environ.get("PYTHONPATH")}))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch copy with the Makefile and stand-in venvs whose stamps are up to date."""
    for name in ("Makefile", "samconfig.toml", "requirements-dev.txt", "requirements-sam.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "layers/fusioncharge").mkdir(parents=True)
    shutil.copy(ROOT / "layers/fusioncharge/requirements.txt", tmp_path / "layers/fusioncharge")
    bin_dir = tmp_path / "stand-ins"
    bin_dir.mkdir()
    for venv in (".venv", ".venv-sam"):
        (tmp_path / venv / "bin").mkdir(parents=True)
        (tmp_path / venv / "bin" / "python").symlink_to(sys.executable)
        (tmp_path / venv / ".requirements-installed").touch()
    for tool in (tmp_path / ".venv-sam/bin/sam", bin_dir / "aws"):
        tool.write_text(RECORDER)
        tool.chmod(0o755)
    for module in (
        "tools/run_local.py",
        "tools/discover.py",
        "emulator/__main__.py",
        "bench/__main__.py",
    ):
        (tmp_path / module).parent.mkdir(exist_ok=True)
        (tmp_path / module).write_text(ECHO_MODULE)
    return tmp_path


def make(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    assert MAKE, "GNU make is needed"
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE", "PYTHON"))
    }
    environment.update(CALLS=str(project / "calls.log"), **env)
    environment["PATH"] = f"{project / 'stand-ins'}{os.pathsep}{environment['PATH']}"
    return subprocess.run(
        [MAKE, "--no-print-directory", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def calls(project: Path) -> list[str]:
    log = project / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def save_guided_answers(project: Path, stack: str, region: str) -> None:
    """What `sam deploy --guided` appends to [default.deploy.parameters]."""
    local = project / "samconfig.local.toml"
    answers = f'stack_name = "{stack}"\nregion = "{region}"\n'
    answers += 'parameter_overrides = "Station=\\"Home\\""\n'
    local.write_text(local.read_text() + answers)


def test_first_deploy_is_guided_and_saves_to_a_local_config(project):
    result = make(project, "deploy")
    assert result.returncode == 0, result.stderr
    assert calls(project) == [
        "sam build --config-file samconfig.toml",
        "sam deploy --guided --config-file samconfig.local.toml",
    ]
    shared = (project / "samconfig.toml").read_text()
    assert (project / "samconfig.local.toml").read_text() == shared


def test_later_deploys_reuse_the_saved_answers(project):
    make(project, "deploy")
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink()
    result = make(project, "deploy")
    assert result.returncode == 0, result.stderr
    assert calls(project) == [
        "sam build --config-file samconfig.local.toml",
        "sam deploy --config-file samconfig.local.toml",
    ]


def test_logs_and_invoke_target_the_saved_stack_and_region(project):
    make(project, "deploy")
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink()
    assert make(project, "logs", "invoke").returncode == 0
    logs, invoke = calls(project)
    assert logs.startswith("sam logs --name PollerFunction --stack-name my-solar")
    assert "--region eu-central-1" in logs and "--tail" in logs
    assert invoke.startswith("sam remote invoke PollerFunction --stack-name my-solar")
    assert "--event-file events/scheduled.json" in invoke


def test_delete_removes_the_stack_then_the_state_parameter(project):
    make(project, "deploy")
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink()
    result = make(project, "delete")
    assert result.returncode == 0, result.stderr
    sam_delete, *aws = calls(project)
    assert sam_delete.startswith("sam delete --stack-name my-solar --region eu-central-1")
    assert (
        aws[-1]
        == "aws ssm delete-parameter --name /my-solar/fusionsolar-state --region eu-central-1"
    )


def test_delete_without_the_aws_cli_prints_the_command(project):
    result = make(project, "delete", AWS_CLI_MISSING="127")
    assert result.returncode == 0, result.stderr
    assert (
        "aws ssm delete-parameter --name /fusionsolar-chargehq/fusionsolar-state" in result.stdout
    )
    assert not [c for c in calls(project) if c.startswith("aws ssm")]


def test_run_passes_the_options_and_finds_the_library(project):
    result = make(project, "-s", "run", "SCENARIO=plant.json", "DRY_RUN=1", "RUNS=2")
    assert result.returncode == 0, result.stderr
    assert '"SCENARIO": "plant.json"' in result.stdout
    assert '"DRY_RUN": "1", "RUNS": "2"' in result.stdout
    assert '"LIVE": null' in result.stdout
    assert "layers/fusioncharge" in result.stdout and "functions/poller" in result.stdout


def test_emulator_gets_port_and_scenario(project):
    result = make(project, "-s", "emulator", "PORT=9999", "SCENARIO=plant.json")
    assert '"argv": ["--port", "9999", "--scenario", "plant.json"]' in result.stdout
    result = make(project, "-s", "emulator")
    assert '"argv": ["--port", "8080"]' in result.stdout


def test_test_target_runs_lint_template_checks_and_pytest(project):
    result = make(project, "-n", "test")
    assert result.returncode == 0, result.stderr
    for step in ("ruff check", "ruff format --check", "cfn-lint template.yaml", "validate --lint"):
        assert step in result.stdout, step
    assert result.stdout.rstrip().endswith(".venv/bin/pytest")


def test_a_changed_requirements_file_reinstalls(project):
    assert "Installing" not in make(project, "venv").stdout
    os.utime(project / "requirements-dev.txt", (2**31, 2**31))  # newer than the stamp
    result = make(project, "-n", "venv")
    assert "pip install --disable-pip-version-check -r requirements-dev.txt" in result.stdout
    assert "requirements-sam.txt" not in result.stdout


def test_a_missing_python_313_is_a_clear_error(project):
    shutil.rmtree(project / ".venv")
    bare_path = f"{project / 'stand-ins'}{os.pathsep}/nonexistent"
    result = make(project, "venv", PATH=bare_path)
    assert result.returncode != 0
    assert "Python 3.13 not found" in result.stderr


def test_ci_runs_make_test_and_nothing_else():
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    lines = [line for line in script.read_text().splitlines() if line.strip()]
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines
    assert lines[-1] == "make test"
    assert len(lines) == 4  # shebang, set, cd to the repository, make test


def test_readme_documents_every_target_and_setting():
    readme = (ROOT / "README.md").read_text()
    for target in TARGETS:
        assert f"make {target}" in readme, f"README does not mention make {target}"
    for variable in ENV_VARS:
        assert variable in readme, f"README does not mention {variable}"
    assert re.search(r"^#+ Measured figures", readme, re.M)
    first_screen = "\n".join(readme.splitlines()[:15])
    assert "make run" in first_screen and "make test" in first_screen


def test_samconfig_holds_the_shared_choices():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())["default"]
    assert config["global"]["parameters"]["stack_name"] == "fusionsolar-chargehq"
    assert config["build"]["parameters"] == {"cached": True, "parallel": True}
    assert config["validate"]["parameters"]["lint"] is True
    deploy = config["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True and deploy["confirm_changeset"] is True
    # make deploy treats parameter_overrides as "already guided": none may be committed.
    assert "parameter_overrides" not in deploy and "region" not in deploy
