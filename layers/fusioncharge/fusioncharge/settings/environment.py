"""The one place where the function's settings (environment variables) are read and validated.

A bad value fails the run at once with a ConfigError naming the setting and what it accepts.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass

from fusioncharge.accounting.site_meters import AccountingOptions
from fusioncharge.errors import ConfigError
from fusioncharge.plant.match import PlantNames, station_names
from fusioncharge.settings import values as read  # each value checked

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
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_STATION_CHARS = 500  # room for several plants' names
# Plants summed into one site: the state of 5, with everything in it at its largest, still fits
# SSM's 4 KB parameter (a test holds it to that).
MAX_PLANTS = 5


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
        fusionsolar_base_url=read.url(env, "FUSIONSOLAR_BASE_URL", DEFAULT_FUSIONSOLAR_BASE_URL),
        station=_station(env),
        accounting=AccountingOptions(
            use_power_sensor=read.flag(env, "USE_POWER_SENSOR_DATA", True),
            use_grid_meter=read.flag(env, "USE_GRID_METER_DATA", True),
            use_emma=read.flag(env, "USE_EMMA_DATA", True),
            grid_meter_unit=read.choice(env, "GRID_METER_POWER_UNIT", ("auto", "w", "kw"), "auto"),
            use_battery=read.flag(env, "USE_BATTERY_DATA", True),
            meter_export_positive=read.flag(env, "METER_EXPORT_POSITIVE", True),
            battery_coupling=read.choice(env, "BATTERY_COUPLING", ("dc", "ac"), "dc"),
            battery_capacity_kwh=read.battery_capacity(env),
            plant_capacity_kwp=read.plant_capacity(env),
        ),
        chargehq_push_url=read.url(env, "CHARGEHQ_PUSH_URL", DEFAULT_CHARGEHQ_PUSH_URL),
        log_level=read.choice(env, "POWERTOOLS_LOG_LEVEL", _LOG_LEVELS, "INFO", upper=True),
        secret_id=read.required(env, "SECRET_ID") if require_aws else env.get("SECRET_ID") or None,
        state_parameter=read.state_parameter(env) if require_aws else None,
        meter_plants=_meter_plants(env),
        plant_timezone=read.plant_timezone(env),
        sinks=read.sinks(env),
        plant_location=read.plant_location(env),
    )


def _station(env: Mapping[str, str]) -> PlantNames:
    value = read.text(env, "STATION")
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
    value = read.text(env, "METER_PLANTS")
    if len(value) > MAX_STATION_CHARS or not value.isprintable():
        raise ConfigError(
            "METER_PLANTS must be empty (every plant's meter counts) or some of STATION's plant "
            "names or codes, comma-separated"
        )
    return PlantNames("METER_PLANTS", value) if value else None
