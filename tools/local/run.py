"""`make run`: one full poll cycle on this machine, through the real Lambda handler.

Default: the FusionSolar emulator and stand-ins for every receiver on loopback, moto for SSM
and Secrets Manager, no account and no network. Options (environment, passed by make):
SCENARIO=file.json, RUNS=n (runs 5 minutes apart on the emulator's clock: the second shows the
cached token), DRY_RUN=1 (compute, do not push), SINKS=chargehq,hass,pvoutput,
HASS_WEBHOOK_URL=https://.../api/webhook/<id> with SINKS=hass (no LIVE: the emulated plant's
reading, stamped now, to that real Home Assistant, to see its package work before deploying),
LIVE=1 (the real FusionSolar and the receivers SINKS chooses, with credentials from the
environment or asked: FUSIONSOLAR_USERNAME, FUSIONSOLAR_SYSTEM_CODE and those receivers' keys
only; token kept in .local/, mode 600).
Above the last line, one `# <sink> sent: {...}` line for each receiver but ChargeHQ (secrets
masked). The LAST stdout line is the ChargeHQ-shaped body of the site meters (or the error), as
posted or as it would be, with apiKey as "***", whatever the sinks.
"""

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from tools.local.lambda_env import (
    ROOT,
)

# LIVE=1 keeps its token and pacing here (mode 600); LIVE_STATE_FILE may point elsewhere.
LOCAL_STATE = Path(os.environ.get("LIVE_STATE_FILE") or ROOT / ".local" / "live-state.json")
SUNNY_NOON = 1_700_049_600.0  # 2023-11-15 12:00 UTC: the default plant's sun is up
# Receivers a run without LIVE may reach for real, given their key: Home Assistant only (to
# see the package work); emulated numbers never go to ChargeHQ (a car follows them) or into
# PVOutput's history.
TRIED_FOR_REAL = ("hass",)
REAL_TIMEOUT = 10.0  # seconds for a real receiver (the stand-ins answer at once)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def main() -> int:
    runs = int(os.environ.get("RUNS") or 1)
    if _flag("LIVE"):
        return run_live(runs)
    return run_emulated(os.environ.get("SCENARIO") or None, runs, dry_run=_flag("DRY_RUN"))


def run_emulated(scenario_path: str | None, runs: int, *, dry_run: bool) -> int:
    """Run the real handler against the emulator, the receiver and moto (a `Site`)."""
    from emulator.fusionsolar.scenario import gives_time, load_scenario
    from tools.local.site import Site

    scenario = load_scenario(scenario_path)
    real = _real_receivers()
    if not gives_time(scenario_path):
        # A real receiver gets the reading stamped now (Home Assistant marks older ones stale).
        scenario["current_time_ms"] = int((time.time() if real else SUNNY_NOON) * 1000)
    code = 0
    with Site(scenario, service="fusionsolar-chargehq") as site:
        site.wiring.dry_run = dry_run
        if real:
            given = site.secret if isinstance(site.secret, dict) else {}
            site.set_secret({**given, **real})
            site.wiring.chargehq_timeout = REAL_TIMEOUT
        for n in range(runs):
            out = site.next_run() if n else site.run()  # runs 5 minutes apart
            if out.error is not None:  # a failed run: shown, not hidden
                code_ = getattr(out.error, "code", type(out.error).__name__)
                print(f"# run {n + 1} failed: {code_}: {out.error}", file=sys.stderr)
                code = 1
        last = site.wiring.last_result
        if last is not None and last.sinks:
            print(f"# sinks: {last.sinks_line}", file=sys.stderr)
        if real and last is not None:
            _say_where_to_look(last)
        _print_body(last)
        emu, receiver = site.emulator, site.receiver
        print(
            f"# emulator: {emu.count('login')} logins, {len(emu.calls)} FusionSolar calls; "
            f"receiver: {len(receiver.pushes)} pushes, Home Assistant stand-in: "
            f"{len(site.hass.received)}, PVOutput stand-in: {len(site.pvoutput.accepted)} statuses"
            + "".join(f"; problems: {p.problems}" for p in receiver.pushes if p.problems),
            file=sys.stderr,
        )
    return code


def run_live(runs: int) -> int:
    """Against the real services, with credentials from the environment (no AWS needed)."""
    from app import Wiring
    from fusioncharge.clock import Deadline, SystemClock
    from fusioncharge.errors import BridgeError, ConfigError
    from fusioncharge.run.log import RunLog
    from fusioncharge.run.poll import run_poll
    from fusioncharge.run.result import RunResult
    from fusioncharge.settings.environment import load_settings
    from fusioncharge.state import FileStateStore
    from tools.local import deployed_stack, live_inputs

    asked = live_inputs.asked(_chosen())
    missing = live_inputs.prepare(list(asked), asked)
    if missing:
        print(
            f"# set {', '.join(missing)} in the environment (or run in a terminal)", file=sys.stderr
        )
        return 2
    deployed_stack.warn()  # before any login: a deployed stack may share the account
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    clock = SystemClock()
    result = RunResult()
    try:
        settings = load_settings(require_aws=False)
        secrets = _EnvSecrets()
        store = deployed_stack.shared_store(FileStateStore(LOCAL_STATE))  # the stack's guard
        said = RunLog()  # the runs of one `make run` are one container's: facts said once
        for _ in range(runs):
            deadline = Deadline.after(clock, 60)
            result = run_poll(
                settings,
                secrets,
                store,
                _live_factory(settings, clock, deadline),
                dry_run=_flag("DRY_RUN"),
                sinks_context=Wiring(clock=clock).sinks_context(settings),
                deadline=deadline,
                run_log=said,
            )
            if result.error is not None:
                raise result.error
            print(f"# {result.summary()}", file=sys.stderr)
    except (BridgeError, ConfigError) as exc:
        print(f"# failed: {exc.code}: {exc}", file=sys.stderr)
        _print_body(result)
        return 1
    _print_body(result)
    return 0


def _live_factory(settings: Any, clock: Any, deadline: Any) -> Any:
    """The FusionSolar client factory of one live run (its own deadline)."""
    return lambda creds, store: _live_client(settings, creds, store, clock, deadline)


def _live_client(settings: Any, creds: Any, store: Any, clock: Any, deadline: Any) -> Any:
    from fusioncharge.fusionsolar import FusionSolarClient

    return FusionSolarClient.on_store(
        settings.fusionsolar_base_url, creds, store, clock=clock, deadline=deadline
    )


def _chosen() -> tuple[str, ...]:
    """The receivers SINKS chooses (as the function reads it; chargehq when empty). A bad
    setting is left for the run itself to name: then only chargehq, as the default."""
    from fusioncharge.errors import ConfigError
    from fusioncharge.settings.environment import load_settings

    try:
        return load_settings({"STATION": "x", **os.environ}, require_aws=False).sinks
    except ConfigError:
        return ("chargehq",)


def _real_receivers() -> dict[str, str]:
    """The secret keys of receivers SINKS chooses that a run without LIVE sends to for real
    (TRIED_FOR_REAL), given in the environment: {"hass_webhook_url": ...}."""
    from fusioncharge.sinks import registry

    found: dict[str, str] = {}
    for name in _chosen():
        keys = registry.kind(name).keys
        if name in TRIED_FOR_REAL and all(os.environ.get(key.env) for key in keys):
            found.update({key.name: os.environ[key.env] for key in keys})
    return found


def _say_where_to_look(result: Any) -> None:
    if result.sinks.get("hass") == "ok":
        print(
            "# Home Assistant confirmed its webhook and got the reading: see "
            "sensor.fusioncharge_production, _consumption, _net_import, _battery, _error and "
            "_last_received (Developer tools > States, filter fusioncharge)",
            file=sys.stderr,
        )


class _EnvSecrets:
    """The secret's keys from the environment, for LIVE=1 (a sink's only when SINKS has it)."""

    def get(self) -> Any:
        from fusioncharge.settings.secret import ENVIRONMENT, parse_secret
        from fusioncharge.sinks import registry

        names = ["fusionsolar_username", "fusionsolar_system_code"]
        names += [key.name for kind in registry.SINKS for key in kind.keys]
        return parse_secret({n: os.environ.get(n.upper(), "") for n in names}, ENVIRONMENT)


def _print_body(result: Any) -> None:
    """Each receiver's but ChargeHQ's `# <sink> sent: {...}` line (secrets masked), then the
    last stdout line: the ChargeHQ-shaped body, key masked (or {} when nothing was built)."""
    from fusioncharge import masking
    from fusioncharge.sinks.chargehq_body import shown_body

    for name, sent in (result.sent if result is not None else {}).items():
        if name != "chargehq":
            hidden = masking.mask(json.dumps(sent, separators=(",", ":")), _secret_values())
            print(f"# {name} sent: {hidden}")
    body = shown_body(result.site_meters, result.told) if result is not None else None
    sys.stdout.flush()
    print(json.dumps(body if body is not None else {}, separators=(",", ":")), flush=True)


def _secret_values() -> list[str]:
    """Every secret value this process was given, for masking what it prints."""
    from fusioncharge.sinks import registry

    names = [key.env for kind in registry.SINKS for key in kind.keys]
    return [os.environ[n] for n in (*names, "FUSIONSOLAR_SYSTEM_CODE") if os.environ.get(n)]


if __name__ == "__main__":
    sys.exit(main())
