"""`make run` and `make discover` as a new user types them: no account, no network."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")


def make(*args: str, **env: str) -> subprocess.CompletedProcess:
    if MAKE is None:
        pytest.fail("GNU make is needed")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE"))}
    environment.update(env)
    return subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def last_line(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_twice_pushes_and_shows_the_masked_body():
    result = make("run", "RUNS=2")
    assert result.returncode == 0, result.stderr[-2000:]
    body = last_line(result)
    assert body["apiKey"] == "***"
    assert body["siteMeters"]["production_kw"] > 0  # the default plant at noon
    assert "1 logins" in result.stderr  # the second run reused the token
    assert "receiver: 2 pushes" in result.stderr


def test_make_run_dry_run_pushes_nothing():
    result = make("run", "DRY_RUN=1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "siteMeters" in last_line(result)
    assert "receiver: 0 pushes" in result.stderr


def test_make_run_fails_loudly_for_a_broken_scenario(tmp_path):
    scenario = tmp_path / "wrong-password.json"
    scenario.write_text(
        json.dumps(
            {
                "credentials": {"username": "demo", "system_code": "right"},
                "settings": {"STATION": "Home"},
                "faults": [{"interface": "login", "kind": "empty_body"}],
            }
        )
    )
    result = make("run", f"SCENARIO={scenario}")
    assert result.returncode != 0
    body = last_line(result)
    assert body["apiKey"] == "***"
    assert body["error"].startswith("credentials_rejected")


def test_make_discover_lists_plants_devices_and_readings():
    result = make("discover")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "plant 'Home'" in result.stdout
    assert "type 47" in result.stdout
    assert "reading" in result.stdout
