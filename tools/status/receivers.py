"""`make status` for the sinks SINKS lists (each read from the registry, sinks/registry.py):
each one's outcome in the last run (with its error code, e.g. chargehq_gone) and, right after
a secret edit, a check of each sink's keys: the latest reading sent again, the way the run
sends it."""

from collections.abc import Callable

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Deadline, SystemClock
from fusioncharge.errors import BridgeError
from fusioncharge.settings.environment import DEFAULT_CHARGEHQ_PUSH_URL, Settings, load_settings
from fusioncharge.settings.secret import SiteSecret
from fusioncharge.sinks import SinkContext, registry
from tools.status.headline import passing
from tools.status.proof import clock_text
from tools.status.run_lines import RunLine

Urls = dict[str, str]  # sink name -> a stand-in's address (tests); the real one otherwise
QUIET_SECONDS = 30 * 60  # a configured receiver with nothing for this long: NOT WORKING
RECEIVED = ("ok", "waiting")  # waiting: PVOutput holding back for its hourly limit, on purpose


def configured(parameters: dict[str, str]) -> tuple[str, ...]:
    """The stack's Sinks parameter as the function reads it (chargehq when absent: older stacks)."""
    try:
        return _settings(parameters).sinks
    except BridgeError:
        return (registry.DEFAULT,)


def _settings(parameters: dict[str, str]) -> Settings:
    """The settings the function runs with, as far as the sinks use them."""
    return load_settings(
        {
            "SINKS": parameters.get("Sinks", ""),
            "STATION": "x",
            "PLANT_TIMEZONE": parameters.get("PlantTimezone", ""),
            "CHARGEHQ_PUSH_URL": parameters.get("ChargeHqPushUrl") or DEFAULT_CHARGEHQ_PUSH_URL,
        },
        require_aws=False,
    )


def last_outcomes(add: Callable[[str, str], None], runs: list[RunLine]) -> None:
    """The sinks of the latest run that named them: `chargehq=FAILED (chargehq_gone) hass=ok`."""
    named = [r for r in runs if r.sinks]
    if not named:
        return
    last = named[-1]
    errors = last.sink_errors or {}
    parts = [
        f"{name}={outcome}" + (f" ({errors[name]})" if name in errors else "")
        for name, outcome in (last.sinks or {}).items()
    ]
    add("sinks", " ".join(parts))


def received(
    add: Callable[[str, str], None],
    runs: list[RunLine],
    sinks: tuple[str, ...],
    since_edit: list[RunLine],
    now: float,
) -> list[tuple[str, str | None]]:
    """A line saying when each configured receiver last received site meters (for Home
    Assistant: with its webhook confirmed, the only way the function says ok); returns those
    that received nothing for 30 minutes of runs since the secret's edit, with their last
    error code."""
    parts, silent = [], []
    tried = bool(since_edit) and since_edit[0].at <= now - QUIET_SECONDS
    for name in sinks:
        title = registry.kind(name).title
        got = [r for r in runs if r.outcome == "pushed" and _received(r, name, sinks)]
        confirmed = ", webhook confirmed" if name == "hass" else ""
        if got:
            parts.append(f"{title} at {clock_text(got[-1].at)}{confirmed}")
        errors = (r.sink_errors or {} for r in reversed(runs))
        code = next((e[name] for e in errors if name in e), None)
        code = code or next((r.error_code for r in reversed(runs) if r.error_code), None)
        if not got:
            parts.append(f"{title}: nothing in the last day" + (f" ({code})" if code else ""))
        if tried and (not got or got[-1].at < now - QUIET_SECONDS):
            silent.append((title, code))
    add("received", "; ".join(parts))
    return silent


def blip(since: list[RunLine], now: float) -> str | None:
    """The latest run's failure, when it passes by itself and site meters went out within the
    last 30 minutes: "14:05 (fusionsolar_unavailable)"."""
    last, code = since[-1], since[-1].error_code
    recent = any(r.outcome == "pushed" and r.at >= now - QUIET_SECONDS for r in since)
    return f"{clock_text(last.at)} ({code})" if passing(code) and recent else None


def _received(run: RunLine, name: str, sinks: tuple[str, ...]) -> bool:
    if run.sinks is None:  # a summary line from before the sinks: the one sink got it
        return sinks == (name,)
    return run.sinks.get(name) in RECEIVED


def check_sinks(
    secret: SiteSecret,
    sinks: tuple[str, ...],
    reading: tuple[float, dict[str, float]] | None,
    parameters: dict[str, str],
    urls: Urls | None = None,
) -> list[tuple[str, bool | None, str]]:
    """(receiver, works, what was found) for each listed sink whose keys are filled in."""
    clock = SystemClock()
    context = SinkContext(clock, _settings(parameters), urls=urls or {})
    found: list[tuple[str, bool | None, str]] = []
    for name in sinks:
        kind = registry.kind(name)
        if not secret.has_keys(name):
            continue
        if reading is None:
            text = "no recent reading to send again: the next run that reads will tell"
            found.append((kind.title, None, text))
            continue
        at, values = reading
        sink = kind.build(context, {key.name: secret.keys[key.name] for key in kind.keys})
        try:
            sink.push(SiteMeters(**values, tsms=int(at * 1000)), Deadline.after(clock, 15), {})
        except BridgeError as exc:
            found.append((kind.title, False, f"{exc.code}: {exc}"))
            continue
        found.append((kind.title, True, _works(name, at)))
    return found


def _works(name: str, at: float) -> str:
    if name == "hass":
        return (
            "its webhook is confirmed (Home Assistant answered as the package's webhook does) "
            f"and it took the reading of {clock_text(at)} again"
        )
    return f"its keys work now (it took the reading of {clock_text(at)} again)"
