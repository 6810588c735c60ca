"""The first `make deploy`'s four questions, and `make deploy SET=Name=value` later.

Only what a home owner must decide is asked (AWS region, FusionSolar portal, plant, alarm
e-mail), each with a line of explanation and a checked answer. The answers are saved in
samconfig.local.toml at once, before AWS is called, so missing AWS credentials lose nothing.
Every other template parameter keeps its default and can be set with SET= (checked against
the template's own AllowedValues / AllowedPattern).
"""

import argparse
import os
import re
import shlex
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Huawei's regional portals; an account works only on the one it was created on.
PORTALS = ("eu5", "intl", "sg5", "la5")
PORTAL_HOST = re.compile(r"^(?:https://)?([a-z0-9-]+)\.fusionsolar\.huawei\.com/?$")
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


class Answer(ValueError):
    """An answer that does not pass its check; the message says what is expected."""


def check_region(text: str) -> str:
    if not REGION.fullmatch(text):
        raise Answer("an AWS region code, like eu-central-1 or ap-southeast-2")
    return text


def check_portal(text: str) -> str:
    text = text.strip().lower()
    if text in PORTALS:
        return f"https://{text}.fusionsolar.huawei.com"
    match = PORTAL_HOST.fullmatch(text)
    if not match:
        raise Answer(f"one of {', '.join(PORTALS)}, or a host like xx.fusionsolar.huawei.com")
    return f"https://{match[1]}.fusionsolar.huawei.com"


def check_plant(text: str) -> str:
    text = text.strip()
    if not text or len(text) > 500:
        raise Answer("the plant's name as FusionSolar shows it, or its code NE=...")
    for part in text.split(","):  # several plants, comma-separated, are summed
        part = part.strip()
        if part.upper().startswith("NE=") and not re.fullmatch(r"NE=\d+", part, re.I):
            raise Answer("a plant code is NE= followed by digits, like NE=35436844")
    return text


def check_email(text: str) -> str:
    text = text.strip()
    if text and not EMAIL.fullmatch(text):
        raise Answer("one e-mail address, or nothing for no mail")
    return text


# (parameter or "region", question, explanation, check)
QUESTIONS: list[tuple[str, str, str, Callable[[str], str]]] = [
    (
        "region",
        "AWS region",
        "Where the function runs; any region works, one near you is usual (eu-central-1).",
        check_region,
    ),
    (
        "FusionSolarBaseUrl",
        "FusionSolar portal",
        f"The host in your browser when you log in to FusionSolar ({', '.join(PORTALS)}, ...).",
        check_portal,
    ),
    (
        "Station",
        "Plant",
        "Your plant's name as FusionSolar shows it, or its code NE=... (several plants of one "
        "home: comma-separated, they are summed)",
        check_plant,
    ),
    (
        "AlarmEmail",
        "Alarm e-mail",
        "Told when ChargeHQ gets no readings for 30 minutes; Enter for none.",
        check_email,
    ),
]


def ask(prompt: Callable[[str], str], out: Any, defaults: dict[str, str]) -> dict[str, str]:
    answers = {}
    for name, question, explanation, check in QUESTIONS:
        print(f"\n{question}: {explanation}", file=out)
        default = defaults.get(name, "")
        while True:
            text = prompt(f"{question}{f' [{default}]' if default else ''}: ") or default
            try:
                answers[name] = check(text)
                break
            except Answer as exc:
                print(f"  expected {exc}", file=out)
    return answers


# --- samconfig.local.toml ----------------------------------------------------------------------
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
    value = joined.replace("\\", "\\\\").replace('"', '\\"')
    text += f'\nregion = "{region}"\nparameter_overrides = "{value}"\n'
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


# --- SET=Name=value --------------------------------------------------------------------------
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
    return yaml.load(template.read_text(), Loader)["Parameters"]  # noqa: S506 (SafeLoader)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "samconfig.local.toml")
    parser.add_argument("--shared", type=Path, default=ROOT / "samconfig.toml")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--set", default="", help="Name=value: change one setting")
    parser.add_argument("--again", action="store_true", help="ask the questions again")
    args = parser.parse_args(argv)
    region, overrides = (None, {})
    if args.config.exists():
        region, overrides = read_overrides(args.config)
    if args.set:
        return _set_one(args, region, overrides)
    if "Station" in overrides and region and not args.again:
        print(f"Deploying with your settings in {args.config.name} (make deploy SET=Name=value")
        print("changes one, make configure asks the questions again).")
        return 0
    if not sys.stdin.isatty() and os.environ.get("CONFIGURE_FROM_STDIN") != "1":
        print(
            "error: the first make deploy asks 4 questions: run it in a terminal", file=sys.stderr
        )
        return 2
    print("Four questions; the answers are saved in samconfig.local.toml before anything is")
    print("deployed, and every other setting keeps its default (docs/settings.md).")
    answers = ask(input, sys.stdout, {**overrides, "region": region or _aws_region()})
    region = answers.pop("region")
    write_config(args.config, args.shared, region, {**overrides, **answers})
    print(f"\nSaved in {args.config.name}.")
    return 0


def _set_one(args: argparse.Namespace, region: str | None, overrides: dict[str, str]) -> int:
    name, _, value = args.set.partition("=")
    if "Station" not in overrides or not region:
        print("error: deploy once first (make deploy), then change settings", file=sys.stderr)
        return 2
    try:
        value = check_setting(name.strip(), value.strip(), template_parameters(args.template))
    except Answer as exc:
        print(f"error: SET={args.set}: expected {exc}", file=sys.stderr)
        return 2
    if name == "region":
        region = value
    else:
        overrides[name.strip()] = value
    write_config(args.config, args.shared, region, overrides)
    print(f"{name.strip()} = {value!r} saved in {args.config.name}; the rest is unchanged.")
    return 0


def _aws_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""


if __name__ == "__main__":
    sys.exit(main())
