"""Bad input fuzzing of the settings (hypothesis): a result or a ConfigError, nothing else.

The environment comes from template parameters a user typed: any text may arrive, and a bad
value must fail at start with a message that names the setting, never with a crash.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from fusioncharge.errors import ConfigError
from fusioncharge.settings.environment import ENV_VARS, Settings, load_settings

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
