"""samconfig.local.toml: this user's region and template parameters, in SAM's own format.

The answers to the first deploy's questions and every SET= land here; the rest of the file is
the shared samconfig.toml's, kept as it is.
"""

import re
import shlex
import tomllib
from pathlib import Path


def read_overrides(config: Path) -> tuple[str | None, dict[str, str]]:
    """(region, parameter_overrides) of a saved config."""
    deploy = tomllib.loads(config.read_text())["default"].get("deploy", {}).get("parameters", {})
    pairs = [p.split("=", 1) for p in shlex.split(deploy.get("parameter_overrides", ""))]
    return deploy.get("region"), {k: v for k, v in pairs}


def write_config(config: Path, shared: Path, region: str, overrides: dict[str, str]) -> None:
    """The shared settings plus this user's region and parameters, in SAM's own format."""
    text = config.read_text() if config.exists() else shared.read_text()
    text = re.sub(r"(?m)^(region|parameter_overrides) *=.*\n?", "", text).rstrip("\n")
    joined = " ".join(f'{k}="{_escape(v)}"' for k, v in overrides.items())
    text += f'\nregion = "{region}"\nparameter_overrides = "{_escape(joined)}"\n'
    if "[default.deploy.parameters]" not in text:
        raise SystemExit(f"error: {config} has no [default.deploy.parameters] section")
    config.write_text(_in_deploy_section(text))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _in_deploy_section(text: str) -> str:
    """Move the two appended lines under [default.deploy.parameters] if another table follows."""
    lines = text.rstrip("\n").split("\n")
    added, rest = lines[-2:], lines[:-2]
    start = rest.index("[default.deploy.parameters]")
    end = next((i for i in range(start + 1, len(rest)) if rest[i].startswith("[")), len(rest))
    return "\n".join(rest[:end] + added + rest[end:]) + "\n"
