"""`make run LIVE=1` and `make discover LIVE=1` beside a deployed stack: say what they do to it.

Huawei keeps one session per Northbound account, and allows one reading per device type every
5 minutes. A LIVE run with the account a deployed stack polls ends the stack's session (its next
run logs in again) and spends the reading window the stack's next run needs (that run may be
refused: quota_exceeded, an error in the ChargeHQ app). This machine has deployed (or set up) a
stack when samconfig.local.toml exists: the warning is printed before any login.
"""

import sys
import tomllib
from pathlib import Path
from typing import TextIO

from tools.configure import read_overrides
from tools.lambda_env import ROOT

LOCAL_CONFIG = ROOT / "samconfig.local.toml"  # written by the first `make deploy`
DEFAULT_STACK = "fusionsolar-chargehq"


def stack_warning(config: Path | None = None) -> str | None:
    """The warning for a LIVE run, when a stack is configured here; None when none is."""
    config = config or LOCAL_CONFIG
    if not config.exists():
        return None
    stack, region, paused = _stack(config)
    where = f"stack {stack!r}" + (f" in {region}" if region else "")
    state = (
        "samconfig.local.toml says it is paused: if that deploy went through, it is not polling. "
        if paused
        else ""
    )
    return (
        f"WARNING: the {where} is set up from this machine (samconfig.local.toml). If it is "
        "deployed and polls the same FusionSolar account, this LIVE run ends its session "
        "(Huawei keeps one per "
        "account) and spends the 5-minute reading window its next run needs: that run may be "
        f"refused (quota_exceeded, an error in the ChargeHQ app). {state}To avoid it, pause the "
        "stack first (make deploy SET=Paused=true, afterwards SET=Paused=false), or use "
        "another Northbound API account here."
    )


def warn(out: TextIO | None = None, config: Path | None = None) -> None:
    """Print the warning, if any, before a LIVE tool logs in."""
    text = stack_warning(config)
    if text:
        print(text, file=out or sys.stderr, flush=True)


def _stack(config: Path) -> tuple[str, str | None, bool]:
    """(stack name, region, paused) as the config says; a damaged file still warns."""
    try:
        region, overrides = read_overrides(config)
        data = tomllib.loads(config.read_text(encoding="utf-8"))
        stack = data["default"].get("global", {}).get("parameters", {}).get("stack_name")
    except (OSError, UnicodeDecodeError, KeyError, ValueError, AttributeError):
        return DEFAULT_STACK, None, False  # TOMLDecodeError and shlex's errors are ValueErrors
    return str(stack or DEFAULT_STACK), region, overrides.get("Paused") == "true"
