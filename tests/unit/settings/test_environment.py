"""Settings: defaults, accepted spellings, and a named error for each bad value."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusioncharge.errors import ConfigError
from fusioncharge.plant.match import PlantNames
from fusioncharge.settings.environment import ENV_VARS, MAX_PLANTS, Settings, load_settings

BASE = {"STATION": "Home", "SECRET_ID": "arn:secret", "STATE_PARAMETER": "/stack/fusionsolar-state"}


def test_defaults_follow_interfaces_md():
    s = load_settings(BASE)
    assert s.fusionsolar_base_url == "https://intl.fusionsolar.huawei.com"
    assert s.chargehq_push_url == "https://api.chargehq.net/api/public/push-solar-data"
    assert s.station == PlantNames("STATION", "Home", whole_first=True)
    assert s.station.parts == ("Home",) and str(s.station) == "Home"
    a = s.accounting
    assert (a.use_power_sensor, a.use_grid_meter, a.use_battery, a.meter_export_positive) == (
        True,
        True,
        True,
        True,
    )
    assert a.battery_coupling == "dc"
    assert a.battery_capacity_kwh is None
    assert (a.use_emma, a.grid_meter_unit) == (True, "auto")
    assert s.log_level == "INFO"
    assert s.meter_plants is None  # every plant's meter counts
    assert a.plant_capacity_kwp is None and s.plant_location is None  # FusionSolar's


def test_every_setting_read_is_listed():
    env = {
        **BASE,
        "FUSIONSOLAR_BASE_URL": "https://eu5.fusionsolar.huawei.com/",
        "USE_POWER_SENSOR_DATA": "False",
        "USE_GRID_METER_DATA": "no",
        "USE_EMMA_DATA": "off",
        "GRID_METER_POWER_UNIT": "kW",
        "USE_BATTERY_DATA": "0",
        "METER_EXPORT_POSITIVE": "FALSE",
        "BATTERY_COUPLING": "AC",
        "BATTERY_CAPACITY_KWH": "10.5",
        "CHARGEHQ_PUSH_URL": "http://127.0.0.1:9999/api/public/push-solar-data",
        "POWERTOOLS_LOG_LEVEL": "debug",
        "METER_PLANTS": "Home",
        "PLANT_TIMEZONE": "Australia/Perth",
        "SINKS": "pvoutput, HASS,hass",
        "PLANT_CAPACITY_KWP": "6.6",
        "PLANT_LOCATION": "-31.95, 115.86",
    }
    assert set(env) == set(ENV_VARS)
    s = load_settings(env)
    assert s.fusionsolar_base_url == "https://eu5.fusionsolar.huawei.com"
    a = s.accounting
    assert not (a.use_power_sensor or a.use_grid_meter or a.use_battery or a.meter_export_positive)
    assert not a.use_emma and a.grid_meter_unit == "kw"
    assert a.battery_coupling == "ac"
    assert a.battery_capacity_kwh == 10.5
    assert s.log_level == "DEBUG"
    assert s.meter_plants == PlantNames("METER_PLANTS", "Home")
    assert s.plant_timezone == "Australia/Perth"
    assert s.sinks == ("pvoutput", "hass")  # each once, in the order given
    assert a.plant_capacity_kwp == 6.6
    assert s.plant_location == (-31.95, 115.86)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("USE_BATTERY_DATA", "maybe", "true or false"),
        ("USE_POWER_SENSOR_DATA", "yes please", "true or false"),
        ("METER_EXPORT_POSITIVE", "-1", "true or false"),
        ("BATTERY_COUPLING", "wireless", "dc, ac"),
        ("GRID_METER_POWER_UNIT", "MW", "auto, w, kw"),
        ("USE_EMMA_DATA", "sometimes", "true or false"),
        ("BATTERY_CAPACITY_KWH", "ten", "kWh"),
        ("PLANT_CAPACITY_KWP", "six", "kWp"),
        ("PLANT_CAPACITY_KWP", "0", "kWp"),
        ("PLANT_LOCATION", "Sydney", "latitude and longitude"),
        ("PLANT_LOCATION", "151.21,-33.87", "latitude and longitude"),
        ("PLANT_LOCATION", "1,2,3", "latitude and longitude"),
        ("PLANT_LOCATION", "0,0", "latitude and longitude"),
        ("PLANT_LOCATION", " 0.0 , -0 ", "latitude and longitude"),
        ("BATTERY_CAPACITY_KWH", "-3", "kWh"),
        ("BATTERY_CAPACITY_KWH", "nan", "kWh"),
        ("BATTERY_CAPACITY_KWH", "inf", "kWh"),
        ("FUSIONSOLAR_BASE_URL", "intl.fusionsolar.huawei.com", "https://"),
        ("FUSIONSOLAR_BASE_URL", "http://intl.fusionsolar.huawei.com", "https://"),
        ("FUSIONSOLAR_BASE_URL", "ftp://x", "https://"),
        ("FUSIONSOLAR_BASE_URL", "https://user:pw@host", "https://"),
        ("CHARGEHQ_PUSH_URL", "not a url", "https://"),
        ("POWERTOOLS_LOG_LEVEL", "LOUD", "DEBUG"),
        ("STATION", "   ", "STATION"),
        ("STATION", "Home,\tGarage", "comma-separated"),
        ("METER_PLANTS", "Home,\x07Garage", "comma-separated"),
        ("STATE_PARAMETER", "no-leading-slash", "SSM parameter"),
        ("SECRET_ID", "", "SECRET_ID"),
    ],
)
def test_bad_value_names_the_setting_and_what_is_accepted(name, value, words):
    with pytest.raises(ConfigError) as err:
        load_settings({**BASE, name: value})
    assert name in str(err.value)
    assert words in str(err.value)


def test_station_missing_says_how_to_find_it():
    env = dict(BASE)
    del env["STATION"]
    with pytest.raises(ConfigError, match="make discover"):
        load_settings(env)


def test_plain_http_is_only_for_loopback():
    s = load_settings({**BASE, "FUSIONSOLAR_BASE_URL": "http://localhost:8080"})
    assert s.fusionsolar_base_url == "http://localhost:8080"


def test_local_runs_need_no_aws_names():
    s = load_settings({"STATION": "Home"}, require_aws=False)
    assert s.secret_id is None
    assert s.state_parameter is None


def test_several_plants_fit_in_station_up_to_the_limit():
    many = ",".join(f"Plant number {i} on the hill with a long name" for i in range(MAX_PLANTS))
    station = load_settings({**BASE, "STATION": many}).station
    assert station.text == many and len(station.parts) == 5
    with pytest.raises(ConfigError, match=f"more than {MAX_PLANTS} plants"):
        load_settings({**BASE, "STATION": many + ",One more"})


def test_a_function_deployed_before_the_rename_keeps_its_state_parameter():
    """Until 2026-11 the template set TOKEN_PARAMETER: read as STATE_PARAMETER, so a function
    not yet updated (or updated in any order) finds the state where it always was."""
    old = {k: v for k, v in BASE.items() if k != "STATE_PARAMETER"}
    old["TOKEN_PARAMETER"] = BASE["STATE_PARAMETER"]
    assert load_settings(old).state_parameter == load_settings(BASE).state_parameter
    both = {**BASE, "TOKEN_PARAMETER": "/other/name"}
    assert load_settings(both).state_parameter == BASE["STATE_PARAMETER"]
    with pytest.raises(ConfigError, match="TOKEN_PARAMETER"):
        load_settings({**old, "TOKEN_PARAMETER": "no-leading-slash"})


def test_a_blank_state_parameter_falls_back_like_an_unset_one():
    old = {**BASE, "STATE_PARAMETER": "   ", "TOKEN_PARAMETER": "/stack/old-state"}
    assert load_settings(old).state_parameter == "/stack/old-state"


def test_state_parameter_that_is_not_text_is_a_named_error():
    env = {**BASE, "STATE_PARAMETER": 7, "TOKEN_PARAMETER": "/old/fusionsolar-token"}
    with pytest.raises(ConfigError, match="STATE_PARAMETER must be text"):
        load_settings(env)  # type: ignore[arg-type]


def test_sinks_default_to_chargehq_and_refuse_an_unknown_name():
    assert load_settings(BASE).sinks == ("chargehq",)  # an existing stack: as before
    assert load_settings({**BASE, "SINKS": " "}).sinks == ("chargehq",)
    with pytest.raises(ConfigError, match=r"SINKS names 'zappi'.*chargehq, hass, pvoutput"):
        load_settings({**BASE, "SINKS": "chargehq,zappi"})


# Bad input fuzzing of the settings (hypothesis): a result or a ConfigError, nothing else.
#
# The environment comes from template parameters a user typed: any text may arrive, and a bad
# value must fail at start with a message that names the setting, never with a crash.

REQUIRED = {"STATION": "Home", "SECRET_ID": "arn:secret", "STATE_PARAMETER": "/stack/state"}
odd_text = st.one_of(
    st.text(max_size=80),
    st.text(max_size=5_000),
    st.sampled_from(
        [
            "",
            " ",
            "true",
            "FALSE",
            "maybe",
            "NaN",
            "inf",
            "-1",
            "1e309",
            "0",
            "1000.0000001",
            "http://example.com",
            "http://127.0.0.1:8080",
            "https://user:pw@eu5.fusionsolar.huawei.com",
            "https://[::1",
            "https://",
            "ftp://x",
            "javascript:alert(1)",
            "/a/b\x00c",
            "NE=\u202e35436844",
            "\ud7ff\ue000\U0010ffff",
        ]
    ),
)
env_values = st.one_of(odd_text, st.none(), st.integers(), st.binary(max_size=10))


def _urls_are_safe(loaded: Settings) -> None:
    for url in (loaded.fusionsolar_base_url, loaded.chargehq_push_url):
        assert url.startswith(("https://", "http://127.", "http://localhost", "http://[::1]"))


@settings(max_examples=400, deadline=None)
@given(env=st.dictionaries(st.sampled_from(ENV_VARS), env_values, max_size=len(ENV_VARS)))
def test_any_environment_gives_settings_or_a_config_error(env):
    env = {k: v for k, v in ({**REQUIRED, **env}).items() if v is not None}
    try:
        loaded = load_settings(env)
    except ConfigError as exc:
        message = str(exc)
        assert any(name in message for name in ENV_VARS), message  # names the setting
        assert len(message) < 400 and message.isprintable()
        return
    _urls_are_safe(loaded)
    assert loaded.station.text.isprintable() and 0 < len(loaded.station.text) <= 500
    capacity = loaded.accounting.battery_capacity_kwh
    assert capacity is None or 0 < capacity <= 1000


@given(name=st.sampled_from(ENV_VARS), value=odd_text)
def test_one_bad_value_is_named(name, value):
    try:
        load_settings({**REQUIRED, name: value})
    except ConfigError as exc:
        assert name in str(exc)
