"""The first `make deploy`'s four questions, and `make deploy SET=Name=value` later.

Only what a home owner must decide is asked (AWS region, FusionSolar region, plant, alarm
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

from tools.aws_access import configured_region, region_problem

ROOT = Path(__file__).resolve().parent.parent
# Huawei's regional Northbound hosts; an account works only on the one it was created on.
PORTALS = ("eu5", "intl", "sg5", "la5", "au5", "jp5")
SHORT_NAME = re.compile(r"^(intl|[a-z]{2}\d{1,2})$")  # eu5, au5, jp5, ... and intl
PORTAL_HOST = re.compile(r"^(?:https?://)?([a-z0-9-]+)\.fusionsolar\.huawei\.com/?(?:[?#/].*)?$")
# The host a browser shows after login (region01eu5, uni004eu5): the web app's, which does not
# serve /thirdData (it answers 404); the regional host is the part after the digits.
BROWSER_HOST = re.compile(r"^(?:region|uni)\d+([a-z]+\d*)$")
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


class Answer(ValueError):
    """An answer that does not pass its check; the message says what is expected."""


def check_region(text: str) -> str:
    text = text.strip()
    found = region_problem(text) if text else "an empty answer"
    if found:
        raise Answer(f"an AWS region code, like eu-central-1 or ap-southeast-2 ({found})")
    return text


def check_portal(text: str) -> str:
    """The Northbound API's URL, from a short name (eu5), its host, or a browser's host."""
    name = northbound_name(text)
    if name is None:
        raise Answer(
            f"your region's short name ({', '.join(PORTALS)}, ...) or its host, like "
            "eu5.fusionsolar.huawei.com"
        )
    return f"https://{name}.fusionsolar.huawei.com"


def northbound_name(text: str) -> str | None:
    text = text.strip().lower()
    match = PORTAL_HOST.fullmatch(text)
    name = match[1] if match else text
    browser = BROWSER_HOST.fullmatch(name)
    if browser:
        name = browser[1]
    return name if SHORT_NAME.fullmatch(name) else None


def portal_note(text: str) -> str | None:
    """What to tell someone who gave the host their browser shows, or None."""
    match = PORTAL_HOST.fullmatch(text.strip().lower())
    host = match[1] if match else text.strip().lower()
    browser = BROWSER_HOST.fullmatch(host)
    if not browser:
        return None
    return (
        f"  {host} is the host of FusionSolar's web pages, which does not serve the Northbound "
        f"API (it answers 404 there); your region's API host is {browser[1]}.fusionsolar.huawei"
        ".com: using that."
    )


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
        "FusionSolar region",
        f"Your account's Northbound API host: its region's short name ({', '.join(PORTALS)}, "
        "...). Your browser shows it after login, e.g. region01eu5... or uni004eu5... is eu5.",
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


class Stopped(Exception):
    """Ctrl-C or Ctrl-D at a question; `answers` holds those given so far."""

    def __init__(self, answers: dict[str, str]) -> None:
        super().__init__("stopped")
        self.answers = answers


def ask(prompt: Callable[[str], str], out: Any, defaults: dict[str, str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    try:
        _ask_each(prompt, out, defaults, answers)
    except (EOFError, KeyboardInterrupt):
        raise Stopped(answers) from None
    return answers


def _ask_each(
    prompt: Callable[[str], str], out: Any, defaults: dict[str, str], answers: dict[str, str]
) -> None:
    for name, question, explanation, check in QUESTIONS:
        print(f"\n{question}: {explanation}", file=out)
        default = defaults.get(name, "")
        while True:
            text = prompt(f"{question}{f' [{default}]' if default else ''}: ") or default
            try:
                answers[name] = check(text)
                note = portal_note(text) if check is check_portal else None
                if note:
                    print(note, file=out)
                break
            except Answer as exc:
                print(f"  expected {exc}", file=out)


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
    print(f"\nSaved in {args.config.name}.")
    return 0


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
    if name.strip() == "region" and value != region:
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
