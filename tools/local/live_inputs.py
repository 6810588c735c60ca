"""What `make run LIVE=1` and `make discover LIVE=1` need, without retyping what is saved.

The portal and the plant default to those the first deploy saved (samconfig.local.toml), so a
LIVE run reads the same account and plant the stack would. The credentials are never saved:
taken from the environment (FUSIONSOLAR_USERNAME, FUSIONSOLAR_SYSTEM_CODE, and the keys of the
receivers SINKS chooses, upper case: CHARGEHQ_API_KEY, HASS_WEBHOOK_URL, ...), or asked in a
terminal without echo.
"""

import getpass
import os
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import TextIO

from fusioncharge.sinks import registry
from tools.deploy.samconfig import read_overrides
from tools.local.lambda_env import ROOT

LOCAL_CONFIG = ROOT / "samconfig.local.toml"
SAVED = {"FUSIONSOLAR_BASE_URL": "FusionSolarBaseUrl", "STATION": "Station"}
FUSIONSOLAR = {
    "FUSIONSOLAR_USERNAME": "FusionSolar Northbound user name",
    "FUSIONSOLAR_SYSTEM_CODE": "FusionSolar system code (password)",
}


def asked(sinks: tuple[str, ...]) -> dict[str, str]:
    """What a LIVE run needs: FusionSolar's credentials and the chosen receivers' keys only
    (each from the registry of sinks), environment variable -> what it is."""
    keys = {
        key.env: f"{registry.kind(name).title} {key.name}"
        for name in sinks
        for key in registry.kind(name).keys
    }
    return {**FUSIONSOLAR, **keys}


def saved_defaults(
    environ: MutableMapping[str, str], config: Path = LOCAL_CONFIG, out: TextIO | None = None
) -> None:
    """Fill the portal and plant from the saved deploy answers where the environment has none."""
    try:
        _, overrides = read_overrides(config)
    except (OSError, ValueError, KeyError):
        return  # nothing saved (or unreadable): the settings' own defaults apply
    for env_var, parameter in SAVED.items():
        if not environ.get(env_var) and overrides.get(parameter):
            environ[env_var] = overrides[parameter]
            print(
                f"# {env_var}={overrides[parameter]} (saved by make deploy)", file=out or sys.stderr
            )


def ask_missing(
    environ: MutableMapping[str, str],
    names: list[str],
    secret_prompt: Callable[[str], str] = getpass.getpass,
    terminal: bool | None = None,
    what: dict[str, str] | None = None,
) -> list[str]:
    """Ask, without echo, for each of `names` the environment lacks; the names still missing.

    Without a terminal nothing is asked. Ctrl-C or Ctrl-D ends the asking: what is missing
    then is reported by the caller like any missing variable."""
    terminal = sys.stdin.isatty() if terminal is None else terminal
    what = what or FUSIONSOLAR
    for name in names:
        if environ.get(name) or not terminal:
            continue
        try:
            environ[name] = secret_prompt(f"{what.get(name, name)} ({name}; not shown): ").strip()
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            break
    return [name for name in names if not environ.get(name)]


def prepare(names: list[str], what: dict[str, str] | None = None) -> list[str]:
    """Both, on this process's environment: the names still missing afterwards."""
    saved_defaults(os.environ)
    return ask_missing(os.environ, names, what=what)
