"""Scenario files: defaults, real data kept as given, and clear errors."""

import json

import pytest

from emulator.fusionsolar.limits import DailyCap, SlidingWindow, per_hundred
from emulator.fusionsolar.scenario import (
    DEFAULT_PLANT_CODE,
    DEFAULT_TIME_MS,
    EMMA_PLANT_CODE,
    ScenarioError,
    default_scenario,
    gives_time,
    load_scenario,
)


def test_no_scenario_is_the_home_plant_and_an_emma_home():
    s = default_scenario()
    assert [(p["plantCode"], p["plantName"], p["capacity"]) for p in s["stations"]] == [
        (DEFAULT_PLANT_CODE, "Home", 10.0),
        (EMMA_PLANT_CODE, "EMMA Home", 6.0),
    ]
    home = [d for d in s["devices"] if d["stationCode"] == DEFAULT_PLANT_CODE]
    emma = [d for d in s["devices"] if d["stationCode"] == EMMA_PLANT_CODE]
    assert sorted(d["devTypeId"] for d in home) == [38, 39, 47, 62]
    assert sorted(d["devTypeId"] for d in emma) == [38, 39, 23070, 23071]
    assert len(home) + len(emma) == len(s["devices"])
    assert s["credentials"] == {"username": "demo", "system_code": "demo"}
    assert (s["kpis"], s["faults"], s["settings"]) == ({}, [], {})
    assert s["current_time_ms"] == DEFAULT_TIME_MS
    assert s["utc_offset_hours"] == 0


def test_devices_without_stations_get_a_plant_of_their_own():
    s = load_scenario({"devices": [{"id": 7, "devTypeId": 38, "stationCode": "NE=42"}]})
    assert [p["plantCode"] for p in s["stations"]] == ["NE=42"]
    assert [d["id"] for d in s["devices"]] == [7]


def test_stations_without_devices_get_the_default_devices():
    s = load_scenario({"stations": [{"plantCode": "NE=9", "plantName": "Barn"}]})
    assert {d["stationCode"] for d in s["devices"]} == {"NE=9"}


def test_given_parts_are_kept_and_other_keys_pass_through(tmp_path):
    raw = {
        "credentials": {"username": "ann", "system_code": "s3cret"},
        "kpis": {1: [{"devId": 1, "dataItemMap": {"active_power": "N/A"}}]},
        "current_time_ms": 1663862283173,
        "settings": {"STATION": "Home"},
        "chargehq_api_key": "k",
        "faults": [{"interface": "chargehq", "nth": 1, "kind": "http_500"}],
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(raw))
    s = load_scenario(str(path))
    assert s["credentials"] == raw["credentials"]
    assert s["kpis"] == {"1": raw["kpis"][1]}
    assert s["current_time_ms"] == 1663862283173
    assert s["chargehq_api_key"] == "k"
    assert s["faults"] == [
        {"interface": "chargehq", "nth": 1, "kind": "http_500", "fail_code": None}
    ]
    assert gives_time(path) and not gives_time(None)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"stations": {"plantCode": "x"}}, "stations"),
        ({"devices": ["inverter"]}, "devices"),
        ({"devices": [{"id": 1, "devName": "no type"}]}, "devTypeId"),
        ({"kpis": {"inverter": []}}, "kpis"),
        ({"current_time_ms": "noon"}, "current_time_ms"),
        ({"faults": [{"interface": "moon", "kind": "html"}]}, "interface"),
        ({"faults": [{"interface": "login", "kind": "fail_code"}]}, "fail_code"),
        ({"faults": [{"interface": "login", "kind": "html", "nth": 0}]}, "nth"),
    ],
)
def test_bad_scenarios_name_the_part_to_fix(raw, words):
    with pytest.raises(ScenarioError, match=words):
        load_scenario(raw)


def test_unreadable_files_are_scenario_errors(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        load_scenario(bad)


def test_sliding_window_lets_calls_in_once_the_oldest_is_300_s_old():
    w = SlidingWindow(300)
    for t in (0, 10):
        assert w.allows(t, 2)
        w.add(t)
    assert not w.allows(299.9, 2)
    assert w.allows(300, 2)


def test_daily_cap_resets_at_local_midnight():
    cap = DailyCap(utc_offset_hours=2)
    cap.add(0)  # 02:00 local
    assert not cap.allows(3600, 1)
    assert cap.allows(22 * 3600, 1)  # 00:00 local the next day
    assert (per_hundred(1), per_hundred(100), per_hundred(101)) == (1, 1, 2)
