"""The one place where the function's settings (environment variables) are read and validated.

A bad value fails the run at once with a ConfigError naming the setting and what it accepts.
"""

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from fusioncharge.accounting.site_meters import AccountingOptions
from fusioncharge.errors import ConfigError
from fusioncharge.masking import show_url
from fusioncharge.plant_time import is_time_zone

DEFAULT_FUSIONSOLAR_BASE_URL = "https://intl.fusionsolar.huawei.com"
DEFAULT_CHARGEHQ_PUSH_URL = "https://api.chargehq.net/api/public/push-solar-data"

# Every environment variable the code reads (the template must set exactly these).
ENV_VARS = (
    "FUSIONSOLAR_BASE_URL",
    "STATION",
    "METER_PLANTS",
    "USE_EMMA_DATA",
    "USE_POWER_SENSOR_DATA",
    "USE_GRID_METER_DATA",
    "GRID_METER_POWER_UNIT",
    "USE_BATTERY_DATA",
    "METER_EXPORT_POSITIVE",
    "BATTERY_COUPLING",
    "BATTERY_CAPACITY_KWH",
    "CHARGEHQ_PUSH_URL",
    "PLANT_TIMEZONE",
    "SINKS",
    "PLANT_CAPACITY_KWP",
    "PLANT_LOCATION",
    "POWERTOOLS_LOG_LEVEL",
    "SECRET_ID",
    "STATE_PARAMETER",
)
# STATE_PARAMETER's name until 2026-11, still read when STATE_PARAMETER is not set: a function
# deployed before the rename keeps its state parameter (the parameter's own name is unchanged).
OLD_STATE_PARAMETER = "TOKEN_PARAMETER"

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SSM_NAME = re.compile(r"^/[A-Za-z0-9_.\-/]{1,1010}$")
MAX_STATION_CHARS = 500  # room for several plants' names
# Plants summed into one site: the state of 5, with everything in it at its largest, still fits
# SSM's 4 KB parameter (a test holds it to that).
MAX_PLANTS = 5


@dataclass(frozen=True)
class PlantNames:
    """A setting that names plants (STATION, METER_PLANTS), read once: its text as set and its
    comma-separated parts. fusionsolar/plant_match.py matches it against the plant list."""

    setting: str  # its name, for errors: "STATION"
    text: str
    whole_first: bool = False  # the whole text may be one plant's name holding a comma
    parts: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        parts = tuple(part.strip() for part in self.text.split(",") if part.strip())
        object.__setattr__(self, "parts", parts)

    def __str__(self) -> str:
        return self.text


def station_names(text: str) -> PlantNames:
    """STATION's text as PlantNames (the whole text is first tried as one plant's name)."""
    return PlantNames("STATION", text.strip(), whole_first=True)


@dataclass(frozen=True)
class Settings:
    fusionsolar_base_url: str
    station: PlantNames  # one plant's name or code, or several comma-separated
    accounting: AccountingOptions
    chargehq_push_url: str
    log_level: str
    secret_id: str | None  # None only for local runs that do not use AWS
    state_parameter: str | None  # the SSM parameter holding the State between runs
    meter_plants: PlantNames | None = None  # of STATION's plants, those whose meters count
    plant_timezone: str = ""  # the plant's IANA time zone; empty: from FusionSolar (plant_time)
    sinks: tuple[str, ...] = ("chargehq",)  # where the site meters go (SINKS; sinks/)
    plant_location: tuple[float, float] | None = None  # (latitude, longitude); None: FusionSolar's

    def aws_names(self) -> tuple[str, str]:
        """(SECRET_ID, STATE_PARAMETER): both set whenever the settings were read for AWS."""
        if self.secret_id is None or self.state_parameter is None:
            raise ConfigError("SECRET_ID and STATE_PARAMETER are needed to run in AWS")
        return self.secret_id, self.state_parameter


def load_settings(env: Mapping[str, str] | None = None, *, require_aws: bool = True) -> Settings:
    """Read and validate the settings; raise ConfigError naming the first bad one."""
    env = os.environ if env is None else env
    return Settings(
        fusionsolar_base_url=_url(env, "FUSIONSOLAR_BASE_URL", DEFAULT_FUSIONSOLAR_BASE_URL),
        station=_station(env),
        accounting=AccountingOptions(
            use_power_sensor=_bool(env, "USE_POWER_SENSOR_DATA", True),
            use_grid_meter=_bool(env, "USE_GRID_METER_DATA", True),
            use_emma=_bool(env, "USE_EMMA_DATA", True),
            grid_meter_unit=_choice(env, "GRID_METER_POWER_UNIT", ("auto", "w", "kw"), "auto"),
            use_battery=_bool(env, "USE_BATTERY_DATA", True),
            meter_export_positive=_bool(env, "METER_EXPORT_POSITIVE", True),
            battery_coupling=_choice(env, "BATTERY_COUPLING", ("dc", "ac"), "dc"),
            battery_capacity_kwh=_capacity(env),
            plant_capacity_kwp=_plant_capacity(env),
        ),
        chargehq_push_url=_url(env, "CHARGEHQ_PUSH_URL", DEFAULT_CHARGEHQ_PUSH_URL),
        log_level=_choice(env, "POWERTOOLS_LOG_LEVEL", _LOG_LEVELS, "INFO", upper=True),
        secret_id=_required(env, "SECRET_ID") if require_aws else env.get("SECRET_ID") or None,
        state_parameter=_parameter_name(env) if require_aws else None,
        meter_plants=_meter_plants(env),
        plant_timezone=_timezone(env),
        sinks=_sinks(env),
        plant_location=_location(env),
    )


SINK_NAMES = ("chargehq", "hass", "pvoutput")


def _sinks(env: Mapping[str, str]) -> tuple[str, ...]:
    """SINKS: a comma list of sink names, each once; empty means chargehq (as before sinks)."""
    names = [part.strip().lower() for part in _raw(env, "SINKS").split(",") if part.strip()]
    for name in names:
        if name not in SINK_NAMES:
            raise ConfigError(
                f"SINKS names {_show(name)}, which is not a sink: use a comma list of "
                f"{', '.join(SINK_NAMES)} (for example chargehq,hass)"
            )
    return tuple(dict.fromkeys(names)) or ("chargehq",)


def _raw(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{name} must be text, got {type(value).__name__}")
    return (value or "").strip()


def _required(env: Mapping[str, str], name: str) -> str:
    value = _raw(env, name)
    if not value:
        raise ConfigError(
            f"{name} is not set; the stack's template sets it: redeploy with make deploy"
        )
    return value


def _station(env: Mapping[str, str]) -> PlantNames:
    value = _raw(env, "STATION")
    if not value:
        raise ConfigError(
            "STATION is not set: give your plant's name or plant code (NE=...) as the Station "
            "parameter (make discover lists them)"
        )
    if len(value) > MAX_STATION_CHARS or not value.isprintable():
        raise ConfigError(
            "STATION must be a plant name or plant code (NE=...) of printable text, or several "
            f"comma-separated, {MAX_STATION_CHARS} characters at most"
        )
    names = station_names(value)
    if len(names.parts) > MAX_PLANTS:
        raise ConfigError(
            f"STATION names more than {MAX_PLANTS} plants: at most {MAX_PLANTS} are summed into "
            "one site (what the poller keeps about more would not fit its SSM parameter)"
        )
    return names


def _meter_plants(env: Mapping[str, str]) -> PlantNames | None:
    """Which of STATION's plants' meters count (None: all); matched when the plants are found."""
    value = _raw(env, "METER_PLANTS")
    if len(value) > MAX_STATION_CHARS or not value.isprintable():
        raise ConfigError(
            "METER_PLANTS must be empty (every plant's meter counts) or some of STATION's plant "
            "names or codes, comma-separated"
        )
    return PlantNames("METER_PLANTS", value) if value else None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = _raw(env, name).lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={_show(value)} is not accepted: use true or false")


def _choice(
    env: Mapping[str, str],
    name: str,
    accepted: tuple[str, ...],
    default: str,
    *,
    upper: bool = False,
) -> str:
    value = _raw(env, name)
    if not value:
        return default
    value = value.upper() if upper else value.lower()
    if value not in accepted:
        raise ConfigError(
            f"{name}={_show(value)} is not accepted: use one of {', '.join(accepted)}"
        )
    return value


def _capacity(env: Mapping[str, str]) -> float | None:
    value = _raw(env, "BATTERY_CAPACITY_KWH")
    if not value:
        return None
    try:
        kwh = float(value)
    except ValueError:
        kwh = float("nan")
    if not 0 < kwh <= 1000:  # also false for NaN
        raise ConfigError(
            f"BATTERY_CAPACITY_KWH={_show(value)} is not accepted: give the usable battery "
            "capacity in kWh (a number above 0 and at most 1000), or leave it empty"
        )
    return kwh


def _plant_capacity(env: Mapping[str, str]) -> float | None:
    value = _raw(env, "PLANT_CAPACITY_KWP")
    if not value:
        return None
    try:
        kwp = float(value)
    except ValueError:
        kwp = float("nan")
    if not 0 < kwp <= 10_000:  # also false for NaN
        raise ConfigError(
            f"PLANT_CAPACITY_KWP={_show(value)} is not accepted: give the plant's solar "
            "capacity in kWp (a number above 0 and at most 10000), or leave it empty"
        )
    return kwp


def _location(env: Mapping[str, str]) -> tuple[float, float] | None:
    value = _raw(env, "PLANT_LOCATION")
    if not value:
        return None
    parts = value.split(",")
    try:
        lat, lon = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        lat = lon = math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also false for NaN
        raise ConfigError(
            f"PLANT_LOCATION={_show(value)} is not accepted: give the plant's latitude and "
            "longitude in degrees, comma-separated (like -33.87,151.21), or leave it empty"
        )
    return lat, lon


def _timezone(env: Mapping[str, str]) -> str:
    value = _raw(env, "PLANT_TIMEZONE")
    if value and not is_time_zone(value):
        raise ConfigError(
            f"PLANT_TIMEZONE={_show(value)} is not a time zone name: give your plant's IANA "
            "time zone such as Australia/Sydney or Europe/Amsterdam, or leave it empty"
        )
    return value


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = _raw(env, name) or default
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
            f"{name}={_show(show_url(value))} is not accepted: give an https:// URL such as "
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


def _parameter_name(env: Mapping[str, str]) -> str:
    """The state parameter's name: STATE_PARAMETER, or OLD_STATE_PARAMETER from a function
    deployed before the rename; both name the same parameter."""
    old = OLD_STATE_PARAMETER
    blank = not _raw(env, "STATE_PARAMETER")  # spaces: as if unset; not text: a ConfigError
    name = old if old in env and blank else "STATE_PARAMETER"
    value = _required(env, name)
    if not _SSM_NAME.match(value):
        raise ConfigError(
            f"{name}={_show(value)} is not a valid SSM parameter name "
            "(it starts with / and holds letters, digits and _.-/ only)"
        )
    return value


def _show(value: str) -> str:
    """Quote a bad value for an error message, cut short (URLs go through show_url first:
    they are the only settings that may carry a credential)."""
    return repr(value if len(value) <= 60 else value[:57] + "...")
