"""`make run` and `make discover` as a new user types them: no account, no network."""

import json
import os
import shutil
import stat
import subprocess
import time

import pytest

from emulator.receivers.hass import HassWebhook
from tests.support import ROOT

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


def test_make_run_with_every_sink_names_each_and_still_ends_with_the_chargehq_body():
    result = make("run", "SINKS=chargehq,hass,pvoutput")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "# sinks: chargehq=ok hass=ok pvoutput=ok" in result.stderr
    assert "pushed chargehq=ok hass=ok pvoutput=ok {" in result.stdout  # the summary log line
    body = last_line(result)
    assert body["apiKey"] == "***" and body["siteMeters"]["production_kw"] > 0
    assert "Home Assistant stand-in: 1, PVOutput stand-in: 1 statuses" in result.stderr


def test_make_run_shows_what_each_other_sink_was_sent_above_the_last_line():
    result = make("run", "SINKS=hass,pvoutput")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    body = json.loads(lines[-1])  # the ChargeHQ-shaped body, whatever the sinks
    assert body["apiKey"] == "***"
    sent = {line.split(" sent: ")[0]: line for line in lines if line.startswith("# ")}
    hass = json.loads(sent["# hass"].split(" sent: ", 1)[1])
    assert hass["production_kw"] == body["siteMeters"]["production_kw"]
    assert hass["battery_soc_pct"] == round(body["siteMeters"]["battery_soc"] * 100, 1)
    pvoutput = json.loads(sent["# pvoutput"].split(" sent: ", 1)[1])
    assert pvoutput["v2"] == str(round(body["siteMeters"]["production_kw"] * 1000))
    assert lines.index(sent["# pvoutput"]) < len(lines) - 1
    assert "# chargehq sent" not in result.stdout  # its body is the last line
    assert "receiver: 0 pushes" in result.stderr  # ChargeHQ not chosen: nothing sent to it


def test_make_run_shows_the_energy_fields_each_receiver_was_sent():
    """The names the interfaces promise: Home Assistant's three energies today (the emulated
    plant's counters serve all three), PVOutput's v1 the same solar energy in Wh."""
    result = make("run", "SINKS=hass,pvoutput")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    sent = {
        line.split(" sent: ")[0]: line.split(" sent: ", 1)[1] for line in lines if " sent: " in line
    }
    hass, pvoutput = json.loads(sent["# hass"]), json.loads(sent["# pvoutput"])
    energies = ("production_today_kwh", "battery_charged_today_kwh", "battery_discharged_today_kwh")
    assert all(isinstance(hass[name], float) and hass[name] > 0 for name in energies), hass
    # Noon with a DC-coupled battery: solar today is the inverter's yield plus what went into
    # the battery less what came out, so more than the battery took in alone.
    assert hass["production_today_kwh"] > hass["battery_charged_today_kwh"]
    assert pvoutput["v1"] == str(round(hass["production_today_kwh"] * 1000))  # in Wh
    assert "v3" not in pvoutput  # consumption today: not had from counters, never made up


def test_make_run_sends_the_emulated_reading_stamped_now_to_a_given_home_assistant():
    with HassWebhook("fusioncharge-mine") as home:  # plays the user's Home Assistant
        result = make("run", "SINKS=hass", HASS_WEBHOOK_URL=home.url, CHARGEHQ_API_KEY="")
        assert result.returncode == 0, result.stderr[-2000:]
        assert len(home.received) == 1 and home.probes == 1  # confirmed, as the function does
        assert abs(home.received[0]["tsms"] / 1000 - time.time()) < 600  # stamped now
        assert "# sinks: hass=ok" in result.stderr
        assert "sensor.fusioncharge_production" in result.stderr
        assert "fusioncharge-mine" not in result.stdout + result.stderr  # the URL is a secret
        assert "CHARGEHQ_API_KEY" not in result.stderr  # nothing asked
    with HassWebhook("fusioncharge-mine", registered=False) as stock:  # no package loaded
        result = make("run", "SINKS=hass", HASS_WEBHOOK_URL=stock.url)
        assert result.returncode != 0  # make says 2 for any failed recipe
        assert "hass_webhook_unknown" in result.stderr and "packages:" in result.stderr


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
    # The second plant's readings too: per type one call carries both plants' devices.
    assert "plant 'EMMA Home'" in result.stdout and "type 23070:" in result.stdout
    assert "no readings now" not in result.stdout
    assert "comma-separated" in result.stdout  # how to sum them


def test_discover_lists_every_plant_beside_the_cached_one(capsys):
    """LIVE=1 shares its state with `make run LIVE=1`: the device list cached for STATION's plant
    must not hide the other plants' devices."""
    from emulator.clock import FakeClock
    from emulator.fusionsolar.server import FusionSolarEmulator
    from fusioncharge.fusionsolar import Credentials, FusionSolarClient
    from fusioncharge.state import InMemoryStateStore
    from tools.local.discover import discover

    clock = FakeClock(1_700_049_600.0)
    with FusionSolarEmulator(clock=clock) as emu:
        store = InMemoryStateStore(clock=clock)
        creds = Credentials("demo", "demo")
        client = FusionSolarClient.on_store(emu.base_url, creds, store, clock=clock)
        client.devices(client.plants("Home"))  # what a run for STATION=Home caches
        store.save(client.state)
        clock.advance(300)
        discover(emu.base_url, Credentials("demo", "demo"), store, clock)
    shown = capsys.readouterr().out
    assert "SA4H-BT2570669683" in shown and "Smart Guard" in shown  # the EMMA Home's devices
    assert "Dongle-1" in shown  # Home's dongle: the poller's cache leaves dongles out
    assert store.load().plant_code == "NE=12345678"  # the poller's plant is kept


def test_make_run_live_talks_to_the_given_endpoints_and_keeps_a_private_token_file(tmp_path):
    """LIVE=1 as a user runs it, pointed at the emulator and the receiver instead of Huawei."""
    from emulator.clock import RealClock
    from emulator.fusionsolar.server import FusionSolarEmulator
    from emulator.receivers.chargehq import ChargeHqReceiver

    key = "0b7c2e4e-2222-4000-8000-000000000000"
    state_file = tmp_path / "live-state.json"
    with (
        FusionSolarEmulator(
            {"credentials": {"username": "me", "system_code": "Pw-1"}},
            clock=RealClock(1_700_049_600.0),
        ) as emu,
        ChargeHqReceiver(api_key=key) as receiver,
    ):
        result = make(
            "run",
            "LIVE=1",
            STATION="Home",
            FUSIONSOLAR_BASE_URL=emu.base_url,
            CHARGEHQ_PUSH_URL=receiver.url,
            FUSIONSOLAR_USERNAME="me",
            FUSIONSOLAR_SYSTEM_CODE="Pw-1",
            CHARGEHQ_API_KEY=key,
            LIVE_STATE_FILE=str(state_file),
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert last_line(result)["siteMeters"]["production_kw"] > 0
    assert [p.problems for p in receiver.pushes] == [[]]
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert "Pw-1" not in state_file.read_text() and key not in result.stdout + result.stderr


def test_make_run_live_without_credentials_says_which_to_set():
    result = make("run", "LIVE=1", STATION="Home")
    assert result.returncode != 0
    assert "FUSIONSOLAR_USERNAME" in result.stderr and "environment" in result.stderr


SAMCONFIG = """version = 0.1
[default.global.parameters]
stack_name = "my-solar"
[default.deploy.parameters]
capabilities = "CAPABILITY_IAM"
region = "eu-west-1"
parameter_overrides = "Station=\\"Home\\" Paused=\\"{paused}\\""
"""
LIVE_KEY = "0b7c2e4e-3333-4000-8000-000000000000"


@pytest.fixture
def live(tmp_path, monkeypatch):
    """LIVE=1 in this process, pointed at the emulator and receiver, the state in tmp_path."""
    from emulator.clock import RealClock
    from emulator.fusionsolar.server import FusionSolarEmulator
    from emulator.receivers.chargehq import ChargeHqReceiver
    from tools.local import deployed_stack, discover
    from tools.local import run as run_local

    scenario = {"credentials": {"username": "me", "system_code": "Pw-1"}}
    with (
        FusionSolarEmulator(scenario, clock=RealClock(1_700_049_600.0)) as emu,
        ChargeHqReceiver(api_key=LIVE_KEY) as receiver,
    ):
        env = {
            "LIVE": "1",
            "STATION": "Home",
            "FUSIONSOLAR_BASE_URL": emu.base_url,
            "CHARGEHQ_PUSH_URL": receiver.url,
            "FUSIONSOLAR_USERNAME": "me",
            "FUSIONSOLAR_SYSTEM_CODE": "Pw-1",
            "CHARGEHQ_API_KEY": LIVE_KEY,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(run_local, "LOCAL_STATE", tmp_path / "live-state.json")
        monkeypatch.setattr(discover, "LOCAL_STATE", tmp_path / "live-state.json")
        config = tmp_path / "samconfig.local.toml"
        monkeypatch.setattr(deployed_stack, "LOCAL_CONFIG", config)
        calls_when_warned: list[int] = []
        real_warn = deployed_stack.warn

        def warn(*args, **kwargs):  # the real warning, noting how far the tool had got
            calls_when_warned.append(len(emu.calls))
            real_warn(*args, **kwargs)

        monkeypatch.setattr(deployed_stack, "warn", warn)
        yield config, emu, calls_when_warned


@pytest.mark.parametrize("tool", ["run", "discover"])
def test_live_tools_warn_before_logging_in_beside_a_stack_deployed_from_here(live, capsys, tool):
    from tools.local import discover
    from tools.local import run as run_local

    config, emu, calls_when_warned = live
    config.write_text(SAMCONFIG.format(paused="false"))
    assert (run_local if tool == "run" else discover).main() == 0
    err = capsys.readouterr().err
    assert calls_when_warned == [0] and emu.count("login") == 1  # warned, then logged in
    assert "WARNING" in err and "'my-solar' in eu-west-1" in err
    assert "ends its session" in err and "make deploy SET=Paused=true" in err


def test_live_tools_say_nothing_of_a_stack_when_none_was_deployed_from_here(live, capsys):
    from tools.local import run as run_local

    _config, emu, _ = live
    assert run_local.main() == 0
    assert "WARNING" not in capsys.readouterr().err and emu.count("login") == 1


def test_the_warning_names_a_paused_stack_and_survives_a_damaged_config(tmp_path):
    from tools.local.deployed_stack import stack_warning

    config = tmp_path / "samconfig.local.toml"
    config.write_text(SAMCONFIG.format(paused="true"))
    assert "says it is paused" in (stack_warning(config) or "")
    config.write_text("[[[ not toml")
    assert "WARNING" in (stack_warning(config) or "")  # still warns, with the default name
    config.unlink()
    assert stack_warning(config) is None
