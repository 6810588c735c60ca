"""The first `make deploy`'s five questions: each explained, each answer checked.

Only what a home owner must decide is asked (AWS region, FusionSolar region, plant, the
receivers of the site meters, alarm e-mail), and a sixth when PVOutput is among the receivers:
the plant's time zone (zone_question.py). A check returns the answer as it is saved, or raises
Answer saying what is expected. The receivers are the registry's (sinks/registry.py).
"""

import re
from collections.abc import Callable
from typing import Any

from fusioncharge.sinks import registry
from tools.deploy.aws_access import region_problem
from tools.deploy.zone_question import EXPLANATION, ZoneAnswer, check_zone, guess, guess_note

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


def check_sinks(text: str) -> str:
    """A comma list of the registry's sink names, each once, in the order given."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names or any(name not in registry.names() for name in names):
        raise Answer(f"a comma list of {', '.join(registry.names())}, like hass,pvoutput")
    return ",".join(dict.fromkeys(names))


def sinks_explained() -> str:
    """The receivers question's explanation, one line a receiver, from the registry."""
    lines = [f"  {kind.name}: {kind.title}: {kind.about}" for kind in registry.SINKS]
    return "\n".join(
        [
            "Where the site meters go, a comma list (each needs its keys in the secret; only "
            "those of the receivers you choose are asked for):",
            *lines,
        ]
    )


def check_plant_zone(text: str) -> str:
    try:
        return check_zone(text)
    except ZoneAnswer as exc:
        raise Answer(str(exc)) from None


def with_pvoutput(answers: dict[str, str]) -> bool:
    return "pvoutput" in answers.get("Sinks", "").split(",")


def check_email(text: str) -> str:
    text = text.strip()
    if text and not EMAIL.fullmatch(text):
        raise Answer("one e-mail address, or nothing for no mail")
    return text


# Questions asked only when the answers so far call for them.
ASKED_WHEN: dict[str, Callable[[dict[str, str]], bool]] = {"PlantTimezone": with_pvoutput}

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
    ("Sinks", "Receivers", sinks_explained(), check_sinks),
    ("PlantTimezone", "Plant time zone", EXPLANATION, check_plant_zone),
    (
        "AlarmEmail",
        "Alarm e-mail",
        "Told when a receiver you chose gets no readings for 30 minutes; Enter for none.",
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
        if name in ASKED_WHEN and not ASKED_WHEN[name](answers):
            continue
        print(f"\n{question}: {explanation}", file=out)
        default = defaults.get(name, "")
        if name == "PlantTimezone" and not default:
            default = _zone_guess(answers.get("region", defaults.get("region", "")), out)
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


def _zone_guess(region: str, out: Any) -> str:
    """The AWS region's time zone, offered and said to be a guess; "" when there is none."""
    zone = guess(region)
    if zone is None:
        return ""
    print(guess_note(region, zone), file=out)
    return zone
