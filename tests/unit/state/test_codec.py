"""The stored state's promises (state/codec.py): every field reads back as written, a state an
older version wrote (v1) reads back every field it held, and a stored value of the wrong type is
refused when the state is loaded (StateError), never left to fail when a run uses it."""

import json
from dataclasses import fields

import pytest

from fusioncharge.errors import StateError
from fusioncharge.models import CounterSample, Device, EnergyWatch, MeterWatch, PlantFacts
from fusioncharge.state import State

NOW = 1_800_000_000.0

# Each plain field by the type it holds, written out here (not read from the codec).
NUMBER_FIELDS = (
    "token_issued_at",
    "devices_fetched_at",
    "plant_checked_at",
    "devices_asked_at",
    "no_login_before",
    "locked_until",
    "kpi_pending",
    "negative_runs",
    "login_backoff_until",
    "login_quota_refusals",
)
TEXT_FIELDS = ("token", "rejected_credentials", "plant_code", "plant_name", "plant_for_station")
LIST_FIELDS = ("unserved_types", "doubted_types", "login_tries", "server_leads")  # stored keys


def every_field() -> State:
    return State(
        token="x-token",
        token_issued_at=NOW - 60,
        no_login_before=NOW - 30,
        rejected_credentials="salt$hash",
        plant_code="NE=1,NE=2",
        plant_name="Home\nGarage",
        plant_for_station="home",
        plant_checked_at=NOW - 900,
        plant_facts=[PlantFacts(6.6, -33.87, 151.21, "2021-03-04"), PlantFacts()],
        devices=[Device(1000001, "", 38, "NE=1", None, 5.0), Device(1000003, "", 39, "NE=1", 10.0)],
        devices_fetched_at=NOW - 3600,
        devices_asked_at=NOW - 7200,
        last_fetch={"38": NOW - 300, "39": NOW - 290},
        server_leads=[1.5, -2.25],
        unserved_types=[47],
        missing_types=[41],
        meter_watch=MeterWatch(47, 1_800_000_000_000, 1.5, 322.3, 583.1, 2, (48,), 1),
        energy_watch=EnergyWatch(
            inverter_day=CounterSample(4.2, 30_000_000),
            charged_day=CounterSample(1.1, 29_999_990),
            inverter_total=CounterSample(15_000.5, 30_000_000),
        ),
        negative_runs=2,
        login_tries=[NOW - 120, NOW - 60],
        locked_until=NOW - 10,
        login_quota_refusals=3,
        login_backoff_until=NOW + 600,
        kpi_pending=NOW - 5,
        sinks={"pvoutput": {"day": "2027-01-15", "energy_wh": 1200}},
    )


def test_every_field_reads_back_as_written():
    state = every_field()
    assert all(getattr(state, f.name) not in (None, {}) for f in fields(State))  # none left out
    assert State.from_json(state.to_json(), NOW) == state


def test_a_state_version_1_wrote_reads_back_every_field():
    """v1 kept devices named, by their full keys, and only the least server lead."""
    stored = {
        "v": 1,
        "token": "x-token",
        "token_issued_at": NOW - 60,
        "plant_code": "NE=1",
        "plant_name": "Home",
        "devices": [
            {"id": 1000001, "n": "Inverter", "t": 38, "p": "NE=1"},
            {"id": 1000003, "n": "Battery", "t": 39, "p": "NE=1", "c": 10.0},
        ],
        "devices_fetched_at": NOW - 3600,
        "last_fetch": {"38": NOW - 300},
        "server_lead": -2.25,
        "login_tries": [NOW - 60],
        "locked_until": NOW - 10,
        "no_login_before": NOW - 30,
        "rejected_credentials": "salt$hash",
    }
    state = State.from_json(json.dumps(stored), NOW)
    assert state == State(
        token="x-token",
        token_issued_at=NOW - 60,
        plant_code="NE=1",
        plant_name="Home",
        devices=[Device(1000001, "", 38, "NE=1"), Device(1000003, "", 39, "NE=1", 10.0)],
        devices_fetched_at=NOW - 3600,
        last_fetch={"38": NOW - 300},
        server_leads=[-2.25],
        login_tries=[NOW - 60],
        locked_until=NOW - 10,
        no_login_before=NOW - 30,
        rejected_credentials="salt$hash",
    )


WRONG = [(name, value) for name in NUMBER_FIELDS for value in ("12", [12], "soon")]
WRONG += [(name, value) for name in TEXT_FIELDS for value in (12, ["x"], 1.5)]
WRONG += [(name, value) for name in LIST_FIELDS for value in ("12", 12, ["12"], [None])]
WRONG += [("last_fetch", {"38": "soon"}), ("last_fetch", [1.0]), ("sinks", {"pvoutput": 1})]
WRONG += [("sinks", ["pvoutput"]), ("plant_facts", {"NE=1": [6.6, None, None, None]})]


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(("name", "value"), WRONG)
def test_a_stored_value_of_the_wrong_type_is_refused_at_load(version, name, value):
    with pytest.raises(StateError):
        State.from_json(json.dumps({"v": version, name: value}), NOW)


@pytest.mark.parametrize("name", NUMBER_FIELDS)
def test_a_number_field_holding_a_number_loads(name):
    assert getattr(State.from_json(json.dumps({"v": 2, name: 7}), NOW), name) == 7


WATCH = {"d": 47, "ms": 1_800_000_000_000, "p": 1.5, "i": 322.3, "e": 583.1}
BAD_WATCHES = [{k: v for k, v in WATCH.items() if k != gone} for gone in WATCH]
BAD_WATCHES += [{**WATCH, "p": "x"}, {**WATCH, "d": 47.5}, {**WATCH, "n": 1.5}]
BAD_WATCHES += [{**WATCH, "x": 1.5}, {**WATCH, "a": [48.5]}]


@pytest.mark.parametrize("watch", BAD_WATCHES)
def test_a_meter_watch_missing_a_field_or_of_the_wrong_type_is_refused_at_load(watch):
    with pytest.raises(StateError):
        State.from_json(json.dumps({"v": 2, "meter_watch": watch}), NOW)


def test_a_meter_watchs_time_reads_back_as_whole_milliseconds():
    stored = {"v": 2, "meter_watch": {**WATCH, "ms": 1_800_000_000_000.0}}
    watch = State.from_json(json.dumps(stored), NOW).meter_watch
    assert watch is not None and type(watch.time_ms) is int


@pytest.mark.parametrize(
    "ew", [[30_000_000, ["x", 5]], [30_000_000, [4.2, 0]], [30_000_000, "4.2"], [30_000_000, True]]
)
def test_an_energy_watch_of_the_wrong_shape_is_refused_at_load(ew):
    with pytest.raises(StateError):
        State.from_json(json.dumps({"v": 2, "ew": ew}), NOW)


def test_an_energy_watch_reads_back_its_counters_as_kwh_and_minutes():
    stored = {"v": 2, "ew": [30_000_000, 4, [7, 1]]}
    watch = State.from_json(json.dumps(stored), NOW).energy_watch
    assert watch == EnergyWatch(CounterSample(4.0, 30_000_000), CounterSample(7.0, 29_999_999))
    assert watch is not None and watch.inverter_day is not None and watch.charged_day is not None
    assert type(watch.inverter_day.kwh) is float and type(watch.charged_day.kwh) is float


def test_plant_facts_of_the_wrong_type_are_refused_at_load():
    for facts in ([6.6, -33.87, "east", None], [6.6, "south", 151.2, None], ["big", 1, 2, None]):
        with pytest.raises(StateError):
            State.from_json(json.dumps({"v": 2, "plant_facts": [facts]}), NOW)


def test_a_site_without_batteries_reads_back_its_one_energy_counter():
    state = State(energy_watch=EnergyWatch(inverter_day=CounterSample(4.2, 30_000_000)))
    assert json.loads(state.to_json())["ew"] == [30_000_000, 4.2]
    assert State.from_json(state.to_json(), NOW) == state
