"""`make run LIVE=1` and `make discover LIVE=1` beside a deployed stack: say what they do to it.

Huawei keeps one session per Northbound account, and allows one reading per device type every
5 minutes. A LIVE run with the account a deployed stack polls ends the stack's session (its next
run logs in again) and spends the reading window the stack's next run needs (that run may be
refused: quota_exceeded, an error shown by your receivers). This machine has deployed (or set up) a
stack when samconfig.local.toml exists: the warning is printed before any login, and the LIVE
tools then share the stack's lockout guard (shared_store).
"""

import sys
import tomllib
from pathlib import Path
from typing import Any, TextIO

from tools.deploy.samconfig import read_overrides
from tools.local.lambda_env import ROOT

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
        "refused (quota_exceeded, an error shown by your receivers). "
        f"{state}To avoid it, pause the stack first (make deploy SET=Paused=true, afterwards "
        "SET=Paused=false), or use another Northbound API account here."
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


def shared_store(local: Any, config: Path | None = None) -> Any:
    """The LIVE tools' state store: beside a stack deployed from here, one that shares the
    stack's lockout guard (tools/local/shared_guard.py); `local` alone when there is none or its
    state cannot be read (said on stderr: then only the warning above protects it)."""
    config = config or LOCAL_CONFIG
    if not config.exists():
        return local
    stack, region, _ = _stack(config)
    try:
        import boto3

        from fusioncharge.state.store import SsmStateStore
        from tools.local.shared_guard import SharedGuardStore

        session = boto3.Session(region_name=region)
        described = session.client("cloudformation").describe_stacks(StackName=stack)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0]["Outputs"]}
        deployed = SsmStateStore(outputs["StateParameterName"], session.client("ssm"))
        deployed.load()
    except Exception as exc:  # no credentials, no stack, no access: the tool still runs
        print(
            f"note: the lockout guard of stack {stack!r} could not be read "
            f"({type(exc).__name__}); this LIVE run keeps its own in .local/",
            file=sys.stderr,
        )
        return local
    return SharedGuardStore(local, deployed)
