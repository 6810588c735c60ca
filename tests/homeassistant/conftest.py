"""A real Home Assistant (the pinned `homeassistant` from requirements-hass.txt, in .venv-hass)
on loopback, with the repository's package and a minimal configuration.

`make test-hass` (which `make test` runs) creates .venv-hass and sets HASS_BIN; a plain pytest
run without it skips these tests, saying so.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "homeassistant" / "packages" / "fusioncharge.yaml"
WEBHOOK_ID = "fusioncharge-test-0f6c1d2e"
START_SECONDS = 240.0  # a first start on a busy machine compiles a lot of Python
CONFIGURATION = """\
homeassistant:
  name: fusioncharge test
  time_zone: UTC
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  packages: !include_dir_named packages
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
webhook:
recorder:
  commit_interval: 0
energy:
fusioncharge_test:
"""
# The test-only integration that compiles statistics on demand (test_energy_dashboard.py).
TEST_INTEGRATION = Path(__file__).resolve().parent / "custom_components" / "fusioncharge_test"


@dataclass
class HomeAssistant:
    base_url: str
    token: str
    log: Path

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/api/webhook/{WEBHOOK_ID}"

    def state(self, entity_id: str) -> dict[str, Any]:
        reply = requests.get(
            f"{self.base_url}/api/states/{entity_id}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        if reply.status_code == 404:
            return {}  # not (yet) an entity
        reply.raise_for_status()
        return dict(reply.json())

    def wait_for(self, entity_id: str, check: Any, seconds: float = 15.0) -> dict[str, Any]:
        """The entity's state once `check(state)` holds; fails with the last state seen."""
        end = time.monotonic() + seconds
        while True:
            seen = self.state(entity_id)
            if check(seen):
                return seen
            if time.monotonic() > end:
                raise AssertionError(f"{entity_id} stayed {seen} (log: {self.log})")
            time.sleep(0.25)


def _hass_bin() -> str | None:
    given = os.environ.get("HASS_BIN")
    if given and not Path(given).exists():
        pytest.fail(f"HASS_BIN={given} does not exist: make test-hass installs it")
    return given or None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(base_url: str, deadline: float, log: Path) -> str:
    """Onboard the fresh instance's owner and log in: the REST API needs a token."""
    client_id = f"{base_url}/"
    while True:
        started = log.read_text(errors="replace")
        if "recovery mode" in started:  # a configuration it cannot read: say which
            raise AssertionError(f"Home Assistant refused the configuration:\n{started[-3000:]}")
        try:
            reply = requests.post(
                f"{base_url}/api/onboarding/users",
                json={
                    "client_id": client_id,
                    "name": "Test",
                    "username": "test",
                    "password": "test-password-1",
                    "language": "en",
                },
                timeout=10,
            )
            if reply.status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("Home Assistant did not answer on loopback in time")
        time.sleep(0.5)
    token = requests.post(
        f"{base_url}/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": reply.json()["auth_code"],
            "client_id": client_id,
        },
        timeout=10,
    )
    token.raise_for_status()
    return str(token.json()["access_token"])


def _start(config: Path, configuration: str) -> Iterator[HomeAssistant]:
    """Home Assistant with this configuration and the package (and its id in secrets.yaml)."""
    hass = _hass_bin()
    if hass is None:
        pytest.skip("needs the real Home Assistant: run make test-hass (make test does)")
    port = _free_port()
    (config / "configuration.yaml").write_text(configuration.format(port=port))
    (config / "secrets.yaml").write_text(f"fusioncharge_webhook_id: {WEBHOOK_ID}\n")
    (config / "packages").mkdir()
    shutil.copy(PACKAGE, config / "packages" / PACKAGE.name)
    shutil.copytree(TEST_INTEGRATION, config / "custom_components" / TEST_INTEGRATION.name)
    log = config / "hass.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [hass, "-c", str(config), "--skip-pip"], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        token = _token(base_url, time.monotonic() + START_SECONDS, log)
        yield HomeAssistant(base_url, token, log)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="session")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    config = tmp_path_factory.mktemp("hass-config")
    for instance in _start(config, CONFIGURATION):
        # The package's sensors exist once the template integration has set up.
        instance.wait_for("sensor.fusioncharge_production", bool, 60)
        yield instance
    errors = [
        line for line in instance.log.read_text(errors="replace").splitlines() if "ERROR" in line
    ]
    template_errors = [line for line in errors if "template" in line.lower()]
    assert not template_errors, "\n".join(template_errors)


@pytest.fixture(scope="module")
def without_packages_line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    """A stock configuration: the package file is in packages/, but configuration.yaml lacks
    `packages: !include_dir_named packages` (README's step a user may miss)."""
    config = tmp_path_factory.mktemp("hass-config-stock")
    stock = CONFIGURATION.replace("  packages: !include_dir_named packages\n", "")
    assert stock != CONFIGURATION
    yield from _start(config, stock)
