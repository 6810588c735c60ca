"""The registry of sinks is the one table: the template's Sinks parameter, the settings and the
secret's checks all follow it (a sink added to the registry needs no other list edited)."""

import re

import pytest

from fusioncharge.errors import ConfigError
from fusioncharge.settings.environment import load_settings
from fusioncharge.settings.secret import parse_secret
from fusioncharge.sinks import registry
from tests.support.cfn import load_template


def _allowed_by_template(pattern: str) -> set[str]:
    """The sink names a Sinks AllowedPattern accepts (one name alone)."""
    return {word for word in re.findall(r"[a-z]+", pattern) if re.fullmatch(pattern, word)}


def test_the_templates_sinks_parameter_allows_exactly_the_registrys_sinks():
    sinks = load_template()["Parameters"]["Sinks"]
    names = registry.names()
    assert _allowed_by_template(sinks["AllowedPattern"]) == set(names)
    assert re.fullmatch(sinks["AllowedPattern"], ",".join(names))
    assert sinks["Default"] == registry.DEFAULT
    for name in names:
        assert name in sinks["ConstraintDescription"]
        for key in registry.kind(name).keys:
            assert key.name in sinks["Description"], f"Sinks' description lacks {key.name}"


def test_settings_accept_the_registrys_names_and_name_them_when_refusing():
    every = ",".join(registry.names())
    assert load_settings({"STATION": "x", "SINKS": every}, require_aws=False).sinks == tuple(
        registry.names()
    )
    with pytest.raises(ConfigError) as refused:
        load_settings({"STATION": "x", "SINKS": "chargehq,evcc"}, require_aws=False)
    assert all(name in str(refused.value) for name in registry.names())


def test_each_row_is_whole_and_its_sink_agrees_with_it():
    assert len(set(registry.names())) == len(registry.SINKS)
    for kind in registry.SINKS:
        assert kind.title and kind.keys and kind.name.isalpha() and kind.name.islower()
        secret = parse_secret(
            {"fusionsolar_username": "u", "fusionsolar_system_code": "c"}, "the secret"
        )
        assert secret.missing((kind.name,)) == [key.name for key in kind.keys]


# The registry's promises written out: the receivers in SINKS' documented order, which of them
# a charger follows, and their names in the users' words (what `make status` says).


def test_the_receivers_are_in_the_documented_order_chargehq_first():
    assert registry.names() == ("chargehq", "hass", "pvoutput")
    assert registry.DEFAULT == "chargehq"
    assert registry.keys(("pvoutput", "chargehq")) == (
        "pvoutput_api_key",
        "pvoutput_system_id",
        "chargehq_api_key",
    )


@pytest.mark.parametrize(
    ("name", "charging"),
    [("chargehq", True), ("hass", True), ("pvoutput", False), ("evcc", False), ("", False)],
)
def test_a_charger_follows_chargehq_and_home_assistant_only(name, charging):
    assert registry.charging(name) is charging


def test_an_unknown_name_has_no_row():
    with pytest.raises(KeyError):
        registry.kind("evcc")


@pytest.mark.parametrize(
    ("names", "words"),
    [
        ((), ""),
        (("hass",), "Home Assistant"),
        (("chargehq", "hass"), "ChargeHQ and Home Assistant"),
        (("pvoutput", "hass"), "PVOutput and Home Assistant"),
        (("chargehq", "hass", "pvoutput"), "ChargeHQ, Home Assistant and PVOutput"),
    ],
)
def test_the_receivers_are_named_in_the_users_words(names, words):
    assert registry.titles(names) == words
