"""The registry's promises written out: the receivers in SINKS' documented order, which of them
a charger follows, and their names in the users' words (what `make status` says)."""

import pytest

from fusioncharge.sinks import registry


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
