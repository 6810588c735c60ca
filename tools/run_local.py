"""`make run`: one full poll cycle on this machine, through the real Lambda handler.

Default: the FusionSolar emulator and the ChargeHQ receiver on loopback, moto for SSM and Secrets
Manager, no account and no network. Options (environment, passed by make): SCENARIO=file.json,
RUNS=n (runs 5 minutes apart on the emulator's clock: the second shows the cached token),
DRY_RUN=1 (compute, do not push), LIVE=1 (real FusionSolar and ChargeHQ with credentials from
FUSIONSOLAR_USERNAME, FUSIONSOLAR_SYSTEM_CODE, CHARGEHQ_API_KEY; token kept in .local/, mode 600).
The LAST stdout line is the JSON body that was (or would be) posted, with apiKey as "***".
"""

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from tools.lambda_env import (
    DEMO_API_KEY,
    ROOT,
    TOKEN_PARAMETER,
    LambdaContext,
    fake_aws,
    patched_environ,
    scheduled_event,
    seed_secret,
)

# LIVE=1 keeps its token and pacing here (mode 600); LIVE_STATE_FILE may point elsewhere.
LOCAL_STATE = Path(os.environ.get("LIVE_STATE_FILE") or ROOT / ".local" / "live-state.json")
SUNNY_NOON = 1_700_049_600.0  # 2023-11-15 12:00 UTC: the default plant's sun is up


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def main() -> int:
    runs = int(os.environ.get("RUNS") or 1)
    if _flag("LIVE"):
        return run_live(runs)
    return run_emulated(os.environ.get("SCENARIO") or None, runs, dry_run=_flag("DRY_RUN"))


def run_emulated(scenario_path: str | None, runs: int, *, dry_run: bool) -> int:
    """Run the real handler against the emulator, the receiver and moto."""
    from emulator.chargehq import ChargeHqReceiver
    from emulator.clock import FakeClock
    from emulator.fusionsolar import FusionSolarEmulator
    from emulator.scenario import gives_time, load_scenario

    scenario = load_scenario(scenario_path)
    start = scenario["current_time_ms"] / 1000 if gives_time(scenario_path) else SUNNY_NOON
    clock = FakeClock(start)
    api_key = scenario.get("chargehq_api_key") or DEMO_API_KEY
    username, system_code = (
        scenario["credentials"]["username"],
        scenario["credentials"]["system_code"],
    )
    faults = [f for f in scenario.get("faults", []) if f.get("interface") == "chargehq"]
    with (
        FusionSolarEmulator(scenario, clock=clock) as emu,
        ChargeHqReceiver(faults=faults, api_key=api_key, clock=clock) as receiver,
        fake_aws(),
    ):
        secret_arn = seed_secret(
            {
                "fusionsolar_username": username,
                "fusionsolar_system_code": system_code,
                "chargehq_api_key": api_key,
            }
        )
        env = {
            "STATION": _default_station(scenario),
            **{k: str(v) for k, v in scenario.get("settings", {}).items()},
            "FUSIONSOLAR_BASE_URL": emu.base_url,
            "CHARGEHQ_PUSH_URL": receiver.url,
            "SECRET_ID": secret_arn,
            "TOKEN_PARAMETER": TOKEN_PARAMETER,
            "POWERTOOLS_SERVICE_NAME": "fusionsolar-chargehq",
            "POWERTOOLS_METRICS_NAMESPACE": "FusionSolarChargeHQ",
        }
        with patched_environ(env):
            code = _invoke_handler(clock, runs, dry_run=dry_run)
        print(
            f"# emulator: {emu.count('login')} logins, {len(emu.calls)} FusionSolar calls; "
            f"receiver: {len(receiver.pushes)} pushes"
            + "".join(f"; problems: {p.problems}" for p in receiver.pushes if p.problems),
            file=sys.stderr,
        )
    return code


def _default_station(scenario: dict[str, Any]) -> str:
    stations = scenario.get("stations") or []
    first = stations[0] if stations else {}
    return first.get("plantName") or first.get("plantCode") or "Home"


def _invoke_handler(clock: Any, runs: int, *, dry_run: bool) -> int:
    import app  # functions/poller/app.py, imported after the environment is set

    app.CLOCK, app.DRY_RUN = clock, dry_run
    code = 0
    for n in range(runs):
        if n:
            clock.advance(300)  # the next scheduled run
        try:
            app.lambda_handler(scheduled_event(clock), LambdaContext(clock))
        except Exception as exc:  # the handler raised: a failed run, shown, not hidden
            print(f"# run {n + 1} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            code = 1
    _print_body(app.last_result())
    return code


def run_live(runs: int) -> int:
    """Against the real services, with credentials from the environment (no AWS needed)."""
    from fusioncharge.chargehq import ChargeHqClient
    from fusioncharge.clock import Deadline, SystemClock
    from fusioncharge.errors import BridgeError, ConfigError
    from fusioncharge.fusionsolar import FusionSolarClient
    from fusioncharge.poll import RunResult, run_poll
    from fusioncharge.settings import load_settings
    from fusioncharge.state import FileStateStore

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    clock = SystemClock()
    result = RunResult()
    try:
        settings = load_settings(require_aws=False)
        secrets = _EnvSecrets()
        for _ in range(runs):
            deadline = Deadline.after(clock, 60)
            result = RunResult()
            run_poll(
                settings,
                secrets,
                FileStateStore(LOCAL_STATE),
                lambda creds, state, d=deadline: FusionSolarClient(
                    settings.fusionsolar_base_url, creds, state, clock=clock, deadline=d
                ),
                lambda key, d=deadline: ChargeHqClient(settings.chargehq_push_url, key, deadline=d),
                dry_run=_flag("DRY_RUN"),
                result=result,
            )
            print(f"# {result.summary()}", file=sys.stderr)
    except (BridgeError, ConfigError) as exc:
        print(f"# failed: {exc.code}: {exc}", file=sys.stderr)
        _print_body(result)
        return 1
    _print_body(result)
    return 0


class _EnvSecrets:
    """The secret's three keys from the environment, for LIVE=1."""

    def get(self):
        from fusioncharge.aws import ENVIRONMENT, parse_secret

        return parse_secret(
            {
                "fusionsolar_username": os.environ.get("FUSIONSOLAR_USERNAME", ""),
                "fusionsolar_system_code": os.environ.get("FUSIONSOLAR_SYSTEM_CODE", ""),
                "chargehq_api_key": os.environ.get("CHARGEHQ_API_KEY", ""),
            },
            ENVIRONMENT,
        )

    refresh = get


def _print_body(result: Any) -> None:
    """The last stdout line: the body as posted, key masked (or {} when nothing was built)."""
    from fusioncharge.poll import masked_body

    body = masked_body(result) if result is not None else None
    sys.stdout.flush()
    print(json.dumps(body if body is not None else {}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    sys.exit(main())
