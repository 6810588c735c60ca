"""The first `make deploy`'s five questions, and `make deploy SET=Name=value` (also before).

Only what a home owner must decide is asked (AWS region, FusionSolar region, plant, receivers,
alarm e-mail), each with a line of explanation and a checked answer. The answers are saved in
samconfig.local.toml at once, before AWS is called, so missing AWS credentials lose nothing.
Every other template parameter keeps its default and can be set with SET= (checked against
the template's own AllowedValues / AllowedPattern); a SET= before the first deploy is saved and
the questions follow, with it as the answer offered. The first questions also note which keys
the new secret should hold (tools/deploy/first_secret.py writes them once the stack exists).
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from fusioncharge.sinks import registry
from tools.deploy.aws_access import configured_region
from tools.deploy.questions import QUESTIONS, Answer, Stopped, ask, check_region
from tools.deploy.samconfig import read_overrides, write_config

ROOT = Path(__file__).resolve().parents[2]
# The keys a new stack's secret should hold, noted by the first questions for
# tools/deploy/first_secret.py (run after the deploy); relative to samconfig.local.toml's folder.
MARKER = Path(".local") / "first-secret-keys.json"


def note_keys(path: Path, keys: tuple[str, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(keys)))


def check_setting(name: str, value: str, parameters: dict[str, Any]) -> str:
    if name == "region":
        return check_region(value)
    if name not in parameters:
        raise Answer(f"a template parameter: {', '.join(sorted(parameters))}")
    for question_name, _, _, check in QUESTIONS:
        if question_name == name:
            value = check(value)
    spec = parameters[name]
    allowed = [str(v) for v in spec.get("AllowedValues", [])]
    if allowed and value not in allowed:
        raise Answer(f"{name} to be one of {', '.join(allowed)}")
    pattern = spec.get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, value):
        raise Answer(f"{name}: {spec.get('ConstraintDescription', pattern)}")
    return value


def template_parameters(template: Path) -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    parameters: dict[str, Any] = yaml.load(template.read_text(), Loader)["Parameters"]  # noqa: S506 (SafeLoader)
    return parameters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "samconfig.local.toml")
    parser.add_argument("--shared", type=Path, default=ROOT / "samconfig.toml")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--set", default="", help="Name=value: change one setting")
    parser.add_argument("--again", action="store_true", help="ask the questions again")
    args = parser.parse_args(argv)
    region: str | None
    overrides: dict[str, str]
    region, overrides = (None, {})
    if args.config.exists():
        region, overrides = read_overrides(args.config)
    first = "Station" not in overrides or not region
    if args.set:
        if not first:
            return _set_one(args, region, overrides)
        saved = _set_before_first_deploy(args, region, overrides)
        if saved is None:
            return 2
        region, overrides = saved
    if not first and not args.again:
        print(f"Deploying with your settings in {args.config.name} (make deploy SET=Name=value")
        print("changes one, make configure asks the questions again).")
        return 0
    if not sys.stdin.isatty() and os.environ.get("CONFIGURE_FROM_STDIN") != "1":
        print(
            "error: the first make deploy asks 5 questions: run it in a terminal", file=sys.stderr
        )
        return 2
    print("Five questions (six with PVOutput: the plant's time zone); the answers are saved in")
    print("samconfig.local.toml before anything is")
    print("deployed, and every other setting keeps its default (docs/reference.md, Settings).")
    try:
        answers = ask(input, sys.stdout, {**overrides, "region": region or configured_region()})
    except Stopped as stop:
        kept = stop.answers
        write_config(
            args.config, args.shared, kept.pop("region", region or ""), {**overrides, **kept}
        )
        print(
            f"\nStopped. Your answers so far are saved in {args.config.name}; make deploy goes on."
        )
        return 130
    region = answers.pop("region")
    write_config(args.config, args.shared, region, {**overrides, **answers})
    if first:  # a new stack's secret starts with the chosen receivers' keys only
        chosen = tuple(answers["Sinks"].split(","))
        note_keys(args.config.parent / MARKER, registry.keys(chosen))
    print(f"\nSaved in {args.config.name}.")
    return 0


def _set_before_first_deploy(
    args: argparse.Namespace, region: str | None, overrides: dict[str, str]
) -> tuple[str | None, dict[str, str]] | None:
    """SET= before the first deploy: checked and saved; the questions then offer it."""
    name, _, value = args.set.partition("=")
    name, value = name.strip(), _unquoted(value.strip()).strip()
    try:
        value = check_setting(name, value, template_parameters(args.template))
    except Answer as exc:
        print(f"error: SET={args.set}: expected {exc}", file=sys.stderr)
        return None
    if name == "region":
        region = value
    else:
        overrides = {**overrides, name: value}
    write_config(args.config, args.shared, region or "", overrides)
    print(f"{name} = {value!r} saved in {args.config.name}; now the first deploy's questions.")
    return region, overrides


def _set_one(args: argparse.Namespace, region: str | None, overrides: dict[str, str]) -> int:
    name, _, value = args.set.partition("=")
    value = _unquoted(value.strip())
    if "Station" not in overrides or not region:
        print("error: deploy once first (make deploy), then change settings", file=sys.stderr)
        return 2
    try:
        value = check_setting(name.strip(), value.strip(), template_parameters(args.template))
    except Answer as exc:
        print(f"error: SET={args.set}: expected {exc}", file=sys.stderr)
        return 2
    never_deployed = (args.config.parent / MARKER).exists()  # the first deploy removes it
    if name.strip() == "region" and value != region and not never_deployed:
        print(
            f"error: the stack is set up in {region}; a second one in {value} would poll the same "
            f"account as well. make delete first (it removes the stack in {region}), then "
            "make configure (its first question is the region) and make deploy",
            file=sys.stderr,
        )
        return 2
    if name.strip() == "region":
        region = value
    else:
        overrides[name.strip()] = value
    write_config(args.config, args.shared, region, overrides)
    print(f"{name.strip()} = {value!r} saved in {args.config.name}; the rest is unchanged.")
    return 0


def _unquoted(value: str) -> str:
    """SET='Station="My Home"' means My Home: one pair of surrounding quotes is dropped."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


if __name__ == "__main__":
    sys.exit(main())
