"""`make status` for the sinks SINKS lists: each one's outcome in the last run (with its error
code, e.g. chargehq_gone) and, right after a secret edit, a check of each sink's key the way
ChargeHQ's is checked: the latest reading sent again (Home Assistant, PVOutput)."""

from collections.abc import Callable

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.aws.secrets import SiteSecret
from fusioncharge.clock import Deadline, SystemClock
from fusioncharge.errors import BridgeError
from fusioncharge.plant_time import plant_zone
from fusioncharge.settings import load_settings
from fusioncharge.sinks import Sink
from fusioncharge.sinks.hass import HassSink
from fusioncharge.sinks.pvoutput import DEFAULT_URL, PvOutputSink
from tools.run_lines import RunLine

PVOUTPUT_URL = DEFAULT_URL
LABELS = {"chargehq": "ChargeHQ", "hass": "HA webhook", "pvoutput": "PVOutput"}
NAMES = {"chargehq": "ChargeHQ", "hass": "Home Assistant", "pvoutput": "PVOutput"}


def configured(parameters: dict[str, str]) -> tuple[str, ...]:
    """The stack's Sinks parameter as the function reads it (chargehq when absent: older stacks)."""
    try:
        return load_settings(
            {"SINKS": parameters.get("Sinks", ""), "STATION": "x"}, require_aws=False
        ).sinks
    except BridgeError:
        return ("chargehq",)


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


def check_others(
    secret: SiteSecret,
    sinks: tuple[str, ...],
    reading: tuple[float, dict[str, float]] | None,
    parameters: dict[str, str],
    pvoutput_url: str = PVOUTPUT_URL,
) -> list[tuple[str, bool | None, str]]:
    """(label, works, what was found) for Home Assistant and PVOutput when listed."""
    found: list[tuple[str, bool | None, str]] = []
    for name in sinks:
        sink = _build(name, secret, parameters, pvoutput_url)
        if sink is None:
            continue
        if reading is None:
            found.append(
                (
                    LABELS[name],
                    None,
                    "no recent reading to send again: the next run that reads will tell",
                )
            )
            continue
        at, values = reading
        meters = SiteMeters(**values, tsms=int(at * 1000))
        clock = SystemClock()
        try:
            sink.push(meters, Deadline.after(clock, 15), {})
        except BridgeError as exc:
            found.append((LABELS[name], False, f"{exc.code}: {exc}"))
            continue
        found.append((LABELS[name], True, _works(name)))
    return found


def _build(
    name: str, secret: SiteSecret, parameters: dict[str, str], pvoutput_url: str
) -> Sink | None:
    clock = SystemClock()
    if name == "hass" and secret.hass_webhook_url:
        return HassSink(secret.hass_webhook_url, clock)
    if name == "pvoutput" and secret.pvoutput_api_key and secret.pvoutput_system_id:
        zone = plant_zone(parameters.get("PlantTimezone", ""), None)
        key, system = secret.pvoutput_api_key, secret.pvoutput_system_id
        return PvOutputSink(key, system, zone, clock, url=pvoutput_url)
    return None


def _works(name: str) -> str:
    if name == "hass":
        return (
            "the latest reading was sent again (Home Assistant answers 200 to any webhook id: "
            "its 'FusionCharge last received' sensor shows whether it arrived)"
        )
    return "the API key and system id work now (the latest reading was sent again)"
