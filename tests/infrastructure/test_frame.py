"""The Makefile, .ci/run and README, run as a user would in a scratch copy of the project.

The scratch copy gets stand-ins for the AWS SAM CLI and the AWS CLI (scripts that record their
arguments), and tiny tools/emulator modules that print what make passed them, so the Makefile's
own logic is what is tested: guided first deploy, stack and region from the saved settings,
the SSM parameter clean-up, variables passed through, virtualenv (re)creation.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.cfn import ROOT

TARGETS = ["test", "run", "discover", "emulator", "bench", "build", "deploy", "logs", "invoke"]
TARGETS += ["delete", "audit", "lint", "fmt", "status"]
TARGETS += ["unit", "integration", "infra", "typecheck", "test-hass"]
ENV_VARS = ["FUSIONSOLAR_BASE_URL", "STATION", "USE_POWER_SENSOR_DATA", "USE_GRID_METER_DATA"]
ENV_VARS += ["METER_PLANTS"]
ENV_VARS += [
    "USE_EMMA_DATA",
    "GRID_METER_POWER_UNIT",
    "USE_BATTERY_DATA",
    "METER_EXPORT_POSITIVE",
    "BATTERY_COUPLING",
    "BATTERY_CAPACITY_KWH",
]
ENV_VARS += [
    "CHARGEHQ_PUSH_URL",
    "PLANT_TIMEZONE",
    "SINKS",
    "PLANT_CAPACITY_KWP",
    "PLANT_LOCATION",
    "POWERTOOLS_LOG_LEVEL",
    "SECRET_ID",
    "STATE_PARAMETER",
]
MAKE = shutil.which("make")

RECORDER = """#!/bin/sh
echo "$(basename "$0") $*" >> "$CALLS"
case "$1" in
  --version) exit "${AWS_CLI_MISSING:-0}" ;;
  deploy) exit "${SAM_DEPLOY_FAILS:-0}" ;;
  cloudformation)
    case "$2" in
      describe-stacks) [ -n "$STACK_STATUS" ] && { echo "$STACK_STATUS"; exit 0; }; exit 254 ;;
      *) exit 0 ;;
    esac ;;
esac
exit 0
"""
ECHO_MODULE = """import json, os, sys
print(json.dumps({"argv": sys.argv[1:], "env": {k: os.environ.get(k) for k in
    ("SCENARIO", "LIVE", "DRY_RUN", "RUNS", "STACK_NAME", "REGION")},
    "path": os.environ.get("PYTHONPATH"), "stdin": "" if sys.stdin.isatty() else sys.stdin.read()}))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch copy with the Makefile and stand-in venvs whose stamps are up to date."""
    for name in (
        "Makefile",
        "samconfig.toml",
        "requirements-dev.txt",
        "requirements-sam.txt",
        "requirements-hass.txt",
    ):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")  # SET= checks against it
    (tmp_path / "tools/deploy").mkdir(parents=True)
    # The real ones: the first deploy's questions and what they import.
    for real in (
        "__init__.py",
        "deploy/__init__.py",
        "deploy/configure.py",
        "deploy/questions.py",
        "deploy/zone_question.py",
        "deploy/samconfig.py",
        "deploy/aws_access.py",
    ):
        shutil.copy(ROOT / "tools" / real, tmp_path / "tools" / real)
    (tmp_path / "layers/fusioncharge").mkdir(parents=True)
    shutil.copy(ROOT / "layers/fusioncharge/requirements.txt", tmp_path / "layers/fusioncharge")
    # The receivers question reads the registry of sinks (the library, as the questions use it).
    shutil.copytree(
        ROOT / "layers/fusioncharge/fusioncharge",
        tmp_path / "layers/fusioncharge/fusioncharge",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    bin_dir = tmp_path / "stand-ins"
    bin_dir.mkdir()
    for venv in (".venv", ".venv-sam", ".venv-hass"):
        (tmp_path / venv / "bin").mkdir(parents=True)
        (tmp_path / venv / "bin" / "python").symlink_to(sys.executable)
        (tmp_path / venv / ".requirements-installed").touch()
    evaluator = tmp_path / "tests/support/iam_simulate"  # the IAM policy evaluator, installed
    (evaluator / "node_modules").mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / "tests/support/iam_simulate" / name, evaluator / name)
    (evaluator / "node_modules" / ".installed").touch()
    # The dev venv's packages (tools/deploy/configure.py reads the template with PyYAML).
    shutil.copy(Path(sys.prefix) / "pyvenv.cfg", tmp_path / ".venv" / "pyvenv.cfg")
    (tmp_path / ".venv" / "lib").symlink_to(Path(sys.prefix) / "lib")
    for tool in (tmp_path / ".venv-sam/bin/sam", bin_dir / "aws"):
        tool.write_text(RECORDER)
        tool.chmod(0o755)
    for module in (
        "tools/local/run.py",
        "tools/local/discover.py",
        "tools/status/report.py",
        "tools/status/run_lines.py",
        "tools/deploy/first_secret.py",
        "emulator/__main__.py",
        "bench/__main__.py",
    ):
        (tmp_path / module).parent.mkdir(exist_ok=True)
        (tmp_path / module).write_text(ECHO_MODULE)
    return tmp_path


def make(
    project: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess:
    assert MAKE, "GNU make is needed"
    return subprocess.run(
        [MAKE, "--no-print-directory", *args],
        cwd=project,
        env=_env(project, **env),
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def _env(project: Path, **env: str) -> dict[str, str]:
    """The stand-ins' environment: offline, fake credentials, the stand-in tools first."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE", "PYTHON"))
    }
    # Stand-in credentials: the Makefile's AWS check looks for some, offline, before sam runs.
    environment.update(AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="example")
    environment.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent")
    environment.update(AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    environment.update(CALLS=str(project / "calls.log"), **env)
    for name, value in env.items():
        if value == "":  # make(..., AWS_ACCESS_KEY_ID="") removes a variable
            environment.pop(name)
    environment["PATH"] = f"{project / 'stand-ins'}{os.pathsep}{environment['PATH']}"
    return environment


def calls(project: Path, tool: str = "") -> list[str]:
    """The stand-ins' calls in order; only those of `tool` ("sam", "aws") when given."""
    log = project / "calls.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if line.startswith(f"{tool} ")] if tool else lines


def save_guided_answers(project: Path, stack: str, region: str) -> None:
    """A saved config as a first deploy (or, before, `sam deploy --guided`) leaves it."""
    local = project / "samconfig.local.toml"
    answers = f'stack_name = "{stack}"\nregion = "{region}"\n'
    answers += 'parameter_overrides = "Station=\\"Home\\""\n'
    local.write_text((project / "samconfig.toml").read_text() + answers)


ANSWERS = (
    "eu-central-1\nintl.example.com\neu5\nNE=12ab\nHome\nevcc\nhass,pvoutput\n"
    "\nnot-an-address\nme@example.com\n"  # Enter takes the time zone guessed from the region
)


def deploy_answers(project: Path) -> tuple[str | None, dict[str, str]]:
    config = tomllib.loads((project / "samconfig.local.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    pairs = [p.split("=", 1) for p in shlex.split(deploy.get("parameter_overrides", ""))]
    return deploy.get("region"), dict(pairs)


def test_first_deploy_asks_five_checked_questions_and_saves_them(project):
    result = make(project, "deploy", stdin=ANSWERS, CONFIGURE_FROM_STDIN="1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # A wrong portal, plant code, receiver and e-mail were asked again.
    assert out.count("expected") == 4
    assert "FusionSolar region: Your account's Northbound API host" in out  # each explained
    assert "ChargeHQ has said it is closing" in out  # the receivers question explains each
    assert "reachable from the internet" in out and "no charger follows it" in out
    region, overrides = deploy_answers(project)
    assert region == "eu-central-1"
    assert overrides == {
        "FusionSolarBaseUrl": "https://eu5.fusionsolar.huawei.com",
        "Station": "Home",
        "Sinks": "hass,pvoutput",
        "PlantTimezone": "Europe/Berlin",  # eu-central-1's, offered as a guess and taken
        "AlarmEmail": "me@example.com",
    }
    # The new secret's keys, for tools/deploy/first_secret.py after the deploy: the chosen only.
    keys = json.loads((project / ".local" / "first-secret-keys.json").read_text())
    assert keys == ["hass_webhook_url", "pvoutput_api_key", "pvoutput_system_id"]
    assert "ChargeHQ" not in out.split("Alarm e-mail:", 1)[1]  # not chosen: not named
    assert calls(project, "sam") == [
        "sam build --config-file samconfig.local.toml",
        "sam deploy --config-file samconfig.local.toml",
    ]
    shared = tomllib.loads((project / "samconfig.toml").read_text())["default"]
    local = tomllib.loads((project / "samconfig.local.toml").read_text())["default"]
    assert (
        local["deploy"]["parameters"]["on_failure"] == shared["deploy"]["parameters"]["on_failure"]
    )


def test_with_pvoutput_the_plants_time_zone_is_asked_guessed_and_checked(project):
    answers = "ap-southeast-2\nau5\nHome\npvoutput\n+10:00\nEtc/GMT-10\nmars/olympus\n"
    answers += "australia/perth\n\n"
    result = make(project, "deploy", stdin=answers, CONFIGURE_FROM_STDIN="1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Offered from the AWS region, and said to be a guess; never taken without an answer.
    assert "Australia/Sydney, a guess from the AWS region ap-southeast-2" in out
    assert "Plant time zone [Australia/Sydney]: " in out
    # A fixed offset, written either way, and a name not in the IANA list are asked again.
    assert out.count("expected") == 3
    assert "'+10:00' is not one" in out and "Etc/GMT-10 is a fixed offset" in out
    assert deploy_answers(project)[1]["PlantTimezone"] == "Australia/Perth"  # as IANA spells it


def test_without_pvoutput_no_time_zone_is_asked(project):
    answers = "eu-central-1\neu5\nHome\nhass\n\n"
    result = make(project, "deploy", stdin=answers, CONFIGURE_FROM_STDIN="1")
    assert result.returncode == 0, result.stderr
    assert "Plant time zone" not in result.stdout
    assert "PlantTimezone" not in deploy_answers(project)[1]


def test_set_plant_timezone_is_checked_against_the_iana_list(project):
    refused = make(project, "deploy", "SET=PlantTimezone=Europe/Amsterdm")
    assert refused.returncode != 0 and "IANA list" in refused.stderr
    saved = make(project, "deploy", "SET=PlantTimezone=europe/amsterdam", stdin=ANSWERS)
    assert "'Europe/Amsterdam' saved" in saved.stdout


def test_answers_survive_missing_aws_credentials_and_are_not_asked_again(project):
    failed = make(project, "deploy", stdin=ANSWERS, CONFIGURE_FROM_STDIN="1", SAM_DEPLOY_FAILS="1")
    assert failed.returncode != 0
    (project / "calls.log").unlink(missing_ok=True)
    result = make(project, "deploy")  # no terminal, no answers: must not need any
    assert result.returncode == 0, result.stderr
    assert deploy_answers(project)[1]["Station"] == "Home"
    assert calls(project, "sam")[-1] == "sam deploy --config-file samconfig.local.toml"


def test_a_first_deploy_without_a_terminal_says_so(project):
    result = make(project, "deploy")
    assert result.returncode != 0
    assert "run it in a terminal" in result.stderr
    assert not calls(project, "sam")


def test_set_changes_one_setting_and_keeps_the_rest(project):
    make(project, "deploy", stdin=ANSWERS, CONFIGURE_FROM_STDIN="1")
    result = make(project, "deploy", "SET=UseBatteryData=false")
    assert result.returncode == 0, result.stderr
    region, overrides = deploy_answers(project)
    assert region == "eu-central-1" and overrides["Station"] == "Home"
    assert overrides["UseBatteryData"] == "false"
    assert make(project, "deploy", "SET=AlarmEmail=you@example.org").returncode == 0
    assert deploy_answers(project)[1]["AlarmEmail"] == "you@example.org"
    assert deploy_answers(project)[1]["UseBatteryData"] == "false"


def test_set_refuses_a_value_the_template_refuses(project):
    make(project, "deploy", stdin=ANSWERS, CONFIGURE_FROM_STDIN="1")
    (project / "calls.log").unlink(missing_ok=True)
    for bad in ("ScheduleExpression=rate(1 hour)", "UseBatteryData=maybe", "Stattion=Home"):
        result = make(project, "deploy", f"SET={bad}")
        assert result.returncode != 0 and "expected" in result.stderr, bad
    assert not [c for c in calls(project, "sam") if c.startswith("sam deploy")]
    assert "Stattion" not in deploy_answers(project)[1]


def test_logs_and_invoke_target_the_saved_stack_and_region(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink(missing_ok=True)
    assert make(project, "logs", "invoke").returncode == 0
    logs, invoke = calls(project)
    assert logs.startswith("sam logs --name PollerFunction --stack-name my-solar")
    assert "--region eu-central-1" in logs and "--tail" in logs
    # One line per run: only the summary lines, as JSON events for tools/status/run_lines.py.
    assert "--output json" in logs and '--filter "run_outcome"' in logs
    assert invoke.startswith("sam remote invoke PollerFunction --stack-name my-solar")
    assert "--event-file events/scheduled.json" in invoke


def test_aws_targets_without_credentials_say_how_in_one_line(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink(missing_ok=True)
    for target in ("logs", "invoke", "delete", "deploy", "status"):
        result = make(project, target, AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY="")
        assert result.returncode != 0, target
        (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
        assert line.startswith("error: no AWS credentials on this machine. AWS access: "), target
        assert "Traceback" not in result.stderr, target
    assert not calls(project)  # checked before sam build too


def test_a_region_typo_is_caught_before_aws_in_the_same_words_everywhere(project):
    save_guided_answers(project, "my-solar", "ap-southest-2")
    for target in ("logs", "status", "deploy"):
        result = make(project, target)
        assert result.returncode != 0, target
        said = "'ap-southest-2' is not an AWS region; did you mean ap-southeast-2"
        assert said in result.stderr, target
        assert '"STACK_NAME"' not in result.stdout, target  # the status tool never ran
    assert not calls(project)


def test_status_command_gives_scripts_the_headlines_exit_code(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "tools" / "status.py").write_text("import sys\nsys.exit(3)\n")  # CHECKING
    assert make(project, "status").returncode == 2  # GNU make's own code for a failed recipe
    command = make(project, "-s", "status-command").stdout.strip()
    assert "tools.status.report" in command and "STACK_NAME='my-solar'" in command
    ran = subprocess.run(["sh", "-c", command], cwd=project, env=_env(project), check=False)
    assert ran.returncode == 3


def test_a_region_change_before_the_stack_exists_needs_no_make_delete(project):
    failed = make(project, "deploy", stdin=ANSWERS, CONFIGURE_FROM_STDIN="1", SAM_DEPLOY_FAILS="1")
    assert failed.returncode != 0  # never deployed: no stack to delete in eu-central-1
    moved = make(project, "deploy", "SET=region=eu-west-1")
    assert "make delete" not in moved.stderr
    assert deploy_answers(project)[0] == "eu-west-1"


def test_set_with_quotes_and_a_region_change(project):
    make(project, "deploy", stdin=ANSWERS, CONFIGURE_FROM_STDIN="1")
    (project / ".local" / "first-secret-keys.json").unlink()  # as tools/deploy/first_secret.py does
    assert make(project, "deploy", "SET=Station=Dad's House").returncode == 0
    assert deploy_answers(project)[1]["Station"] == "Dad's House"
    assert make(project, "deploy", 'SET=Station="My Home"').returncode == 0
    assert deploy_answers(project)[1]["Station"] == "My Home"
    (project / "calls.log").unlink(missing_ok=True)
    moved = make(project, "deploy", "SET=region=eu-west-1")
    assert moved.returncode != 0 and "make delete first" in moved.stderr
    assert deploy_answers(project)[0] == "eu-central-1" and not calls(project, "sam")


def test_set_works_before_the_first_deploy_and_the_questions_offer_it(project):
    answers = "eu-central-1\neu5\nHome\n\n\n"  # Enter at Receivers: the SET value
    result = make(project, "deploy", "SET=Sinks=hass", stdin=answers, CONFIGURE_FROM_STDIN="1")
    assert result.returncode == 0, result.stderr
    assert "deploy once first" not in result.stderr
    assert deploy_answers(project)[1]["Sinks"] == "hass"
    assert "Receivers [hass]" in result.stdout
    keys = json.loads((project / ".local" / "first-secret-keys.json").read_text())
    assert keys == ["hass_webhook_url"]
    assert calls(project, "sam")[-1] == "sam deploy --config-file samconfig.local.toml"


def test_an_existing_setup_is_never_asked_again_nor_its_secret_touched(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    result = make(project, "deploy", "SET=Sinks=chargehq,hass")
    assert result.returncode == 0, result.stderr
    assert not (project / ".local" / "first-secret-keys.json").exists()


def test_ctrl_d_at_a_question_ends_quietly_and_keeps_the_answers(project):
    result = make(project, "deploy", stdin="eu-central-1\neu5\n", CONFIGURE_FROM_STDIN="1")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Your answers so far are saved" in result.stdout
    region, overrides = deploy_answers(project)
    assert region == "eu-central-1"
    assert overrides["FusionSolarBaseUrl"] == "https://eu5.fusionsolar.huawei.com"
    assert not calls(project, "sam")


def test_delete_removes_the_stack_then_the_state_parameter(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink(missing_ok=True)
    result = make(project, "delete")
    assert result.returncode == 0, result.stderr
    sam_delete, *aws = calls(project)
    assert sam_delete.startswith("sam delete --stack-name my-solar --region eu-central-1")
    assert (
        aws[-1]
        == "aws ssm delete-parameter --name /my-solar/fusionsolar-state --region eu-central-1"
    )
    lease = (
        "aws ssm delete-parameter --name /my-solar/fusionsolar-state-lease --region eu-central-1"
    )
    assert lease in aws  # the state's lease, also the function's own


def test_delete_without_the_aws_cli_prints_the_command(project):
    result = make(project, "delete", AWS_CLI_MISSING="127", AWS_REGION="eu-central-1")
    assert result.returncode == 0, result.stderr
    assert (
        "aws ssm delete-parameter --name /fusionsolar-chargehq/fusionsolar-state" in result.stdout
    )
    assert "--name /fusionsolar-chargehq/fusionsolar-state-lease" in result.stdout
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
    assert "\n.venv/bin/pytest -n auto --dist loadfile\n" in result.stdout  # on every core
    one = make(project, "-n", "test", "JOBS=1")  # or in one process
    assert "\n.venv/bin/pytest\n" in one.stdout
    # then the real Home Assistant's tests, in their own target (CI runs them too)
    assert result.stdout.rstrip().endswith(".venv/bin/pytest -q tests/homeassistant")


def test_a_changed_requirements_file_reinstalls(project):
    assert "Installing" not in make(project, "venv").stdout
    os.utime(project / "requirements-dev.txt", (2**31, 2**31))  # newer than the stamp
    result = make(project, "-n", "venv")
    assert "pip install --disable-pip-version-check -r requirements-dev.txt" in result.stdout
    assert "requirements-sam.txt" not in result.stdout


def test_a_changed_evaluator_lockfile_reinstalls_it(project):
    lockfile = project / "tests/support/iam_simulate/package-lock.json"
    os.utime(lockfile, (2**31, 2**31))  # newer than the stamp
    result = make(project, "-n", "integration")
    assert "npm ci --prefix tests/support/iam_simulate" in result.stdout
    assert "pip install" not in result.stdout


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


def test_readme_and_reference_document_every_target_and_setting():
    readme = (ROOT / "README.md").read_text()
    reference = (ROOT / "docs" / "reference.md").read_text()
    for target in [*TARGETS, "configure"]:
        assert f"make {target}" in reference, f"docs/reference.md does not mention make {target}"
    for variable in ENV_VARS:
        assert variable in reference, f"docs/reference.md does not mention {variable}"
    # The measured day is the developers' evidence: benchmarks.md keeps it, reference.md the cost.
    benchmarks = (ROOT / "docs" / "benchmarks.md").read_text()
    assert re.search(r"^#+ Measured figures", benchmarks, re.M)
    assert re.search(r"^#+ What it costs", reference, re.M)
    assert "(docs/reference.md)" in readme  # linked from the first screen
    first_screen = "\n".join(readme.splitlines()[:15])
    assert "make run" in first_screen and "make test" in first_screen
    assert "docs/reference.md" in first_screen


def test_readme_is_the_journey_in_at_most_150_lines():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    journey = ["Prerequisites", "Deploy", "Fill in the secret", "Check it works", "Update"]
    journey += ["Pause", "Remove everything", "What it costs"]
    headings = re.findall(r"^## (.+)$", readme, re.M)
    for step in journey:
        assert any(h.startswith(step) for h in headings), step
    for target in ("deploy", "status", "logs", "delete"):
        assert f"make {target}" in readme, target
    # Every local link points at a file that exists (docs/ moved out of the README).
    for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if not link.startswith("http"):
            assert (ROOT / link).exists(), link


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


def test_logs_full_shows_every_json_line(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    (project / "calls.log").unlink(missing_ok=True)
    assert make(project, "logs", "FULL=1").returncode == 0
    (logs,) = calls(project)
    assert "--tail" in logs and "--filter" not in logs and "--output" not in logs


def test_status_reads_the_saved_stack_and_region(project):
    save_guided_answers(project, "my-solar", "eu-central-1")
    result = make(project, "-s", "status")
    assert result.returncode == 0, result.stderr
    assert '"STACK_NAME": "my-solar", "REGION": "eu-central-1"' in result.stdout
    assert "layers/fusioncharge" in result.stdout


def test_several_plants_are_one_setting_and_each_code_is_checked(project):
    answers = ANSWERS.replace("\nHome\n", "\nHouse,NE=12ab\nHouse, Garage\n")
    result = make(project, "deploy", stdin=answers, CONFIGURE_FROM_STDIN="1")
    assert result.returncode == 0, result.stderr
    # NE=12ab, alone or in the list, is no code; plus the portal, receiver and e-mail ones
    assert result.stdout.count("expected") == 5
    assert deploy_answers(project)[1]["Station"] == "House, Garage"
    assert make(project, "deploy", "SET=MeterPlants=House").returncode == 0
    _, overrides = deploy_answers(project)
    assert (overrides["Station"], overrides["MeterPlants"]) == ("House, Garage", "House")
