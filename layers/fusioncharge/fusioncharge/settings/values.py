"""Each setting's text, read and checked: a bad value is a ConfigError naming the setting and
what it accepts (the value quoted, cut short; a URL shown without its credentials).

settings/environment.py reads them all into `Settings`; these are the checks one value at a time.
"""

import ipaddress
import math
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from fusioncharge.errors import ConfigError
from fusioncharge.masking import show_url
from fusioncharge.plant.zone import is_time_zone
from fusioncharge.sinks import registry

# STATE_PARAMETER's name until 2026-11, still read when STATE_PARAMETER is not set: a function
# deployed before the rename keeps its state parameter (the parameter's own name is unchanged).
OLD_STATE_PARAMETER = "TOKEN_PARAMETER"

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_SSM_NAME = re.compile(r"^/[A-Za-z0-9_.\-/]{1,1010}$")


def sinks(env: Mapping[str, str]) -> tuple[str, ...]:
    """SINKS: a comma list of the registry's sink names, each once; empty means chargehq (as
    before sinks)."""
    known = registry.names()
    names = [part.strip().lower() for part in text(env, "SINKS").split(",") if part.strip()]
    for name in names:
        if name not in known:
            raise ConfigError(
                f"SINKS names {shown(name)}, which is not a sink: use a comma list of "
                f"{', '.join(known)} (for example chargehq,hass)"
            )
    return tuple(dict.fromkeys(names)) or (registry.DEFAULT,)


def text(env: Mapping[str, str], name: str) -> str:
    """The setting's text without surrounding spaces; "" when it is not set."""
    value = env.get(name)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{name} must be text, got {type(value).__name__}")
    return (value or "").strip()


def required(env: Mapping[str, str], name: str) -> str:
    """A setting the template always sets: missing means a stack deployed by hand or half."""
    value = text(env, name)
    if not value:
        raise ConfigError(
            f"{name} is not set; the stack's template sets it: redeploy with make deploy"
        )
    return value


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = text(env, name).lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={shown(value)} is not accepted: use true or false")


def choice(
    env: Mapping[str, str],
    name: str,
    accepted: tuple[str, ...],
    default: str,
    *,
    upper: bool = False,
) -> str:
    value = text(env, name)
    if not value:
        return default
    value = value.upper() if upper else value.lower()
    if value not in accepted:
        raise ConfigError(
            f"{name}={shown(value)} is not accepted: use one of {', '.join(accepted)}"
        )
    return value


def battery_capacity(env: Mapping[str, str]) -> float | None:
    return _capacity(env, "BATTERY_CAPACITY_KWH", "the usable battery capacity in kWh", 1000)


def plant_capacity(env: Mapping[str, str]) -> float | None:
    return _capacity(env, "PLANT_CAPACITY_KWP", "the plant's solar capacity in kWp", 10_000)


def _capacity(env: Mapping[str, str], name: str, what: str, most: int) -> float | None:
    """A capacity above 0 and at most `most`, or None when the setting is empty."""
    value = text(env, name)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 < number <= most:  # also false for NaN
        raise ConfigError(
            f"{name}={shown(value)} is not accepted: give {what} (a number above 0 and at "
            f"most {most}), or leave it empty"
        )
    return number


def plant_location(env: Mapping[str, str]) -> tuple[float, float] | None:
    value = text(env, "PLANT_LOCATION")
    if not value:
        return None
    parts = value.split(",")
    try:
        lat, lon = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        lat = lon = math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also false for NaN
        raise ConfigError(
            f"PLANT_LOCATION={shown(value)} is not accepted: give the plant's latitude and "
            "longitude in degrees, comma-separated (like -33.87,151.21), or leave it empty"
        )
    if lat == 0 and lon == 0:  # a map's default, never a plant: its nights would be Africa's
        raise ConfigError(
            f"PLANT_LOCATION={shown(value)} is not accepted: 0,0 is in the ocean off Africa, a "
            "map's default rather than a plant; give the plant's latitude and longitude "
            "(like -33.87,151.21), or leave it empty"
        )
    return lat, lon


def plant_timezone(env: Mapping[str, str]) -> str:
    value = text(env, "PLANT_TIMEZONE")
    if value and not is_time_zone(value):
        raise ConfigError(
            f"PLANT_TIMEZONE={shown(value)} is not a time zone name: give your plant's IANA "
            "time zone such as Australia/Sydney or Europe/Amsterdam, or leave it empty"
        )
    return value


def url(env: Mapping[str, str], name: str, default: str) -> str:
    value = text(env, name) or default
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    scheme = parts.scheme if parts is not None else ""
    ok = parts is not None and bool(host) and not parts.username and not parts.password
    if ok and scheme == "http":
        ok = _is_loopback(host)  # plain HTTP only for the local emulator and receiver
    elif ok:
        ok = scheme == "https"
    if not ok:
        raise ConfigError(
            f"{name}={shown(show_url(value))} is not accepted: give an https:// URL such as "
            f"{default} without a user name, password or query (plain http:// only for "
            "127.0.0.1 or localhost)"
        )
    return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def state_parameter(env: Mapping[str, str]) -> str:
    """The state parameter's name: STATE_PARAMETER, or OLD_STATE_PARAMETER from a function
    deployed before the rename; both name the same parameter."""
    old = OLD_STATE_PARAMETER
    blank = not text(env, "STATE_PARAMETER")  # spaces: as if unset; not text: a ConfigError
    name = old if old in env and blank else "STATE_PARAMETER"
    value = required(env, name)
    if not _SSM_NAME.match(value):
        raise ConfigError(
            f"{name}={shown(value)} is not a valid SSM parameter name "
            "(it starts with / and holds letters, digits and _.-/ only)"
        )
    return value


def shown(value: str) -> str:
    """Quote a bad value for an error message, cut short (URLs go through show_url first:
    they are the only settings that may carry a credential)."""
    return repr(value if len(value) <= 60 else value[:57] + "...")
