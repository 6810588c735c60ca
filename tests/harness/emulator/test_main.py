"""`python -m emulator`: the base URL first, then a line per call (what `make emulator` runs)."""

import json
import os
import signal
import subprocess
import sys

import requests

from tests.support import ROOT

# As `make emulator` runs it: the emulator reads meters from the library's meter table.
ENV = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'fusioncharge'}:{ROOT}"}


def test_serves_in_the_foreground_and_prints_the_base_url_first(tmp_path):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps({"credentials": {"username": "ann", "system_code": "pw"}, "current_time_ms": 0})
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--scenario", str(scenario)],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        reply = requests.post(
            f"{base_url}/thirdData/login", json={"userName": "ann", "systemCode": "pw"}, timeout=5
        )
        assert reply.json()["failCode"] == 0
        line = proc.stdout.readline()
        assert line.startswith("1970-01-01T00:00:")  # the scenario's clock start, running
        assert "login ok" in line
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=5)
        finally:
            proc.kill()  # never leave an emulator behind, whatever happened above
    assert proc.returncode == 0, err


def test_a_bad_scenario_file_fails_with_a_message(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "--port", "0", "--scenario", str(bad)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert done.returncode == 2
    assert "one JSON object" in done.stderr
