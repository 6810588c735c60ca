"""Several plants behind one ChargeHQ site (STATION "House,Garage"): one login, per device type
one getDevRealKpi carrying every plant's devices, and sums that are never partial.

Each test runs the real handler against the emulator (`Site`) on emulator/scenarios/two-plants.json
or a variant of it: "House" (hybrid inverter 38, power sensor 47) and "Garage" (string inverter 1,
power sensor 47), each meter on its own grid connection.
"""

import json
import logging
import os
import random
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from fusioncharge.errors import PlantNotFound, ReadingsIncomplete
from fusioncharge.fusionsolar.client import READ_TYPES, Credentials
from fusioncharge.fusionsolar.login_guard import HUAWEI_LOCKS_AFTER, MAX_GUARDED, credentials_hash
from fusioncharge.settings.environment import MAX_PLANTS
from fusioncharge.state import State
from fusioncharge.state.store import SSM_MAX_CHARS
from tests.support import ROOT
from tools.local.site import Site

HOUSE, GARAGE = "NE=44556601", "NE=44556602"
HOUSE_METER, GARAGE_METER, GARAGE_INVERTER = 44556612, 44556622, 44556621
SUMMED = {
    "production_kw": 5.3,  # 3.2 + 2.1
    "net_import_kw": -0.9,  # House exports 1.2, Garage imports 0.3
    "consumption_kw": 4.4,
    "imported_kwh": 3600.9,  # 3200.5 + 400.4
    "exported_kwh": 2300.35,  # 1500.25 + 800.1
}


def two_plants() -> dict[str, Any]:
    return json.loads((ROOT / "emulator" / "scenarios" / "two-plants.json").read_text())


def item_map(scenario: dict[str, Any], device_id: int) -> dict[str, Any]:
    for items in scenario["kpis"].values():
        for item in items:
            if item["devId"] == device_id:
                return item["dataItemMap"]
    raise KeyError(device_id)


def run_once(scenario: dict[str, Any], **settings: str):
    with Site(scenario, settings=settings or None) as site:
        out = site.run()
        state = site.state_text()
    return out, state


def flow_holds(meters: dict[str, float]) -> bool:
    def w(name: str) -> int:
        return round(meters.get(name, 0.0) * 1000)

    return w("consumption_kw") == w("production_kw") + w("net_import_kw") + w(
        "battery_discharge_kw"
    )


def test_two_plants_are_summed_on_one_login_and_one_call_per_type():
    out, _ = run_once(two_plants())
    assert out.error is None, out.error
    meters = out.last_body["siteMeters"]
    assert meters == SUMMED
    assert flow_holds(meters)
    calls = Counter(c.interface for c in out.calls)
    assert calls == {"login": 1, "stations": 1, "getDevList": 1, "getDevRealKpi": 3}


def test_a_plant_whose_readings_are_unknown_gives_an_error_never_a_partial_sum():
    scenario = two_plants()
    item_map(scenario, GARAGE_INVERTER)["active_power"] = "N/A"  # producing, power unknown
    out, _ = run_once(scenario)
    assert isinstance(out.error, ReadingsIncomplete)
    assert "error" in out.last_body and "siteMeters" not in out.last_body
    assert str(GARAGE_INVERTER) in out.last_body["error"]


def test_a_plant_missing_from_the_readings_gives_an_error():
    scenario = two_plants()
    # The first real-time call is type 1, the Garage's inverter: answered with no data.
    scenario["faults"] = [{"interface": "getDevRealKpi", "nth": 1, "kind": "data_empty"}]
    out, _ = run_once(scenario)
    assert isinstance(out.error, ReadingsIncomplete)
    assert "siteMeters" not in out.last_body


def test_a_plant_without_an_inverter_gives_an_error_naming_it():
    scenario = two_plants()
    scenario["devices"] = [d for d in scenario["devices"] if d["id"] != GARAGE_INVERTER]
    out, _ = run_once(scenario)
    assert isinstance(out.error, ReadingsIncomplete)
    assert "'Garage'" in str(out.error) and "production is unknown" in str(out.error)


@pytest.mark.parametrize("station", ["House,Shed", "Shed , Garage"])
def test_a_plant_not_found_is_named_and_chargehq_told(station):
    out, _ = run_once(two_plants(), STATION=station)
    assert isinstance(out.error, PlantNotFound)
    assert "'Shed'" in str(out.error) and "'Garage'" in str(out.error)  # the plants it sees
    assert "error" in out.last_body
    assert not any(c.interface == "getDevRealKpi" for c in out.calls)


def test_one_plant_named_twice_would_count_twice_so_it_is_refused():
    out, _ = run_once(two_plants(), STATION=f"House, {HOUSE}")
    assert isinstance(out.error, PlantNotFound)
    assert "twice" in str(out.error)


def test_codes_and_names_mix_and_one_plant_still_reads_as_one():
    out, _ = run_once(two_plants(), STATION=f"{GARAGE},house")
    assert out.last_body["siteMeters"] == SUMMED
    alone, _ = run_once(two_plants(), STATION="Garage")
    assert alone.last_body["siteMeters"] == {
        "production_kw": 2.1,
        "net_import_kw": 0.3,
        "consumption_kw": 2.4,
        "imported_kwh": 400.4,
        "exported_kwh": 800.1,
    }


def test_meter_plants_counts_only_the_named_plants_meter():
    """Both meters sit at the one shared grid connection: only the House's counts."""
    out, _ = run_once(two_plants(), METER_PLANTS="House")
    assert out.last_body["siteMeters"] == {
        "production_kw": 5.3,
        "net_import_kw": -1.2,
        "consumption_kw": 4.1,
        "imported_kwh": 3200.5,
        "exported_kwh": 1500.25,
    }


def test_meter_plants_naming_another_plant_is_refused():
    out, _ = run_once(two_plants(), METER_PLANTS="Shed")
    assert isinstance(out.error, PlantNotFound)
    assert "METER_PLANTS" in str(out.error) and "'House'" in str(out.error)


def test_a_plant_without_a_meter_shares_the_others(caplog):
    scenario = two_plants()
    scenario["devices"] = [d for d in scenario["devices"] if d["id"] != GARAGE_METER]
    with caplog.at_level(logging.INFO):
        out, _ = run_once(scenario)
    meters = out.last_body["siteMeters"]
    assert meters["net_import_kw"] == -1.2 and meters["consumption_kw"] == 4.1
    assert "has no meter of its own" in caplog.text


def test_a_metered_plant_whose_meter_is_offline_leaves_the_grid_fields_out(caplog):
    scenario = two_plants()
    item_map(scenario, GARAGE_METER)["meter_status"] = 0.0
    with caplog.at_level(logging.WARNING):
        out, _ = run_once(scenario)
    assert out.last_body["siteMeters"] == {"production_kw": 5.3}  # not the House's meter alone
    assert "'Garage'" in caplog.text and "grid fields are left out" in caplog.text


def with_batteries(models: tuple[str | None, str | None]) -> dict[str, Any]:
    scenario = two_plants()
    for n, (code, model, soc, watts) in enumerate(
        ((HOUSE, models[0], 80.0, -1000.0), (GARAGE, models[1], 20.0, 400.0))
    ):
        device_id = 44556690 + n
        scenario["devices"].append(
            {"devName": f"Battery-{n}", "devTypeId": 39, "id": device_id, "invType": model}
            | {"stationCode": code}
        )
        scenario["kpis"].setdefault("39", []).append(
            {
                "devId": device_id,
                "dataItemMap": {"battery_status": 2.0, "battery_soc": soc}
                | {"ch_discharge_power": watts},
            }
        )
    return scenario


@pytest.mark.parametrize(
    ("models", "soc"),
    [
        (("LUNA2000-10-S0", "LUNA2000-5-S0"), 0.6),  # (80 x 10 + 20 x 5) / 15
        (("LUNA2000-10-S0", None), 0.5),  # one capacity unknown: the mean
    ],
)
def test_soc_is_weighted_by_rated_capacity_when_known(models, soc):
    out, _ = run_once(with_batteries(models))
    meters = out.last_body["siteMeters"]
    assert meters["battery_soc"] == soc
    assert meters["battery_discharge_kw"] == 0.6  # 1.0 discharging, 0.4 charging
    assert flow_holds(meters)


def a_day(scenario: dict[str, Any]) -> list[tuple[int, int, int, bool]]:
    """288 runs 5 minutes apart (±3 s, 0.3 s round trips, a cold start every hour) on the
    emulator's day model; per run: (getDevRealKpi calls, quota refusals, logins, pushed with
    the power-flow equation exact)."""
    start = (scenario["current_time_ms"] // 86_400_000 + 1) * 86_400
    scenario = {**scenario, "current_time_ms": start * 1000}
    rng = random.Random(14)
    runs = []
    with Site(scenario, latency=0.3) as site:
        for n in range(288):
            if n % 12 == 0:
                site.cold_start()
            site.clock.set(max(site.clock.now(), start + n * 300 + rng.uniform(-3, 3)))
            out = site.run()
            body = out.last_body or {}
            pushed = "siteMeters" in body and flow_holds(body["siteMeters"])
            quota = sum(1 for c in out.calls if c.outcome == "quota")
            runs.append((out.calls_to("getDevRealKpi"), quota, out.logins, pushed))
    return runs


def test_a_day_on_two_plants_costs_the_quota_of_one():
    """Every run reads the 3 device types of both plants with 3 calls (one per type) and pushes
    their sum: call for call what the default one-plant home (3 types too) spends on the same
    schedule. A run that our own pacing skips (its safety margin adds up over a day of exact
    5-minute runs until a run would wait over 30 s) is skipped for one plant as for two."""
    scenario = two_plants()
    del scenario["kpis"]  # the emulator's day: night, sunrise, noon, evening
    two = a_day(scenario)
    one = a_day({"current_time_ms": scenario["current_time_ms"]})
    assert [r[0] for r in two] == [r[0] for r in one]
    assert {r[0] for r in two} <= {0, 3}
    assert sum(1 for r in two if r[0] == 3) >= 288 - 12  # at most 12 runs skipped a day
    assert sum(r[1] for r in two) == 0  # no quota refusal
    assert sum(r[2] for r in two) <= 49  # logins
    assert all(pushed for calls, _, _, pushed in two if calls)


def test_a_plant_not_found_is_remembered_for_the_whole_list_and_a_new_list_looked_up():
    with Site(two_plants(), settings={"STATION": "House,Shed"}) as site:
        first = site.run()
        again = site.next_run()
        os.environ["STATION"] = "House,Garage"  # the user fixes the setting (restored after)
        fixed = site.next_run()
    assert isinstance(first.error, PlantNotFound) and first.calls_to("stations") == 1
    assert isinstance(again.error, PlantNotFound) and again.calls_to("stations") == 0
    assert "'House,Shed' named a plant not found" in str(again.error)
    assert fixed.error is None and fixed.calls_to("stations") == 1
    assert fixed.last_body["siteMeters"] == SUMMED


def test_a_plant_gone_looks_every_plant_up_again():
    scenario = two_plants()
    # The second run's first real-time call: FusionSolar no longer knows one of the plants.
    scenario["faults"] = [
        {"interface": "getDevRealKpi", "nth": 4, "kind": "fail_code", "fail_code": 20007}
    ]
    with Site(scenario) as site:
        site.run()
        gone = site.next_run()
        after = site.next_run()
    assert "one of them may have been removed" in str(gone.error)
    assert "'House' (NE=44556601), 'Garage' (NE=44556602)" in str(gone.error)
    assert after.calls_to("stations") == 1 and after.calls_to("getDevList") == 1
    assert after.last_body["siteMeters"] == SUMMED


BIG = "LUNA2000-15-S0"


def largest_plants(count: int) -> dict[str, Any]:
    """`count` plants with an inverter, a meter and a battery each, every name and id as long as
    FusionSolar makes them (64-character names, negative 64-bit ids)."""
    stations, devices = [], []
    for p in range(count):
        code = f"NE={900_000_000 + p}"
        stations.append(
            {"plantCode": code, "plantName": f"Plant {p} " + "x" * 56, "capacity": 1234.567}
            | {"latitude": -33.86881234, "longitude": -151.20931234}
            | {"gridConnectionDate": "2023-03-31T09:56:55.123+10:30"}
        )
        # The largest rating a model may name (kept in the state), fit for this capacity.
        inverter = (38, "SUN2000-999.99KTL-M1")
        for k, (type_id, model) in enumerate((inverter, (47, None), (39, BIG))):
            devices.append(
                {"id": -1_000_000_000_000_000_000 - 10 * p - k, "devTypeId": type_id}
                | {"devName": f"Device {k} " + "y" * 56, "invType": model, "stationCode": code}
            )
    station = ",".join(s["plantName"] for s in stations)
    return {"stations": stations, "devices": devices, "settings": {"STATION": station}}


@pytest.mark.parametrize("count", [4, MAX_PLANTS])
def test_the_state_of_the_most_plants_fits_ssm_with_every_field_at_its_largest(count):
    out, text = run_once(largest_plants(count) | {"current_time_ms": 1_700_049_600_000})
    assert out.error is None, out.error
    assert "battery_soc" in out.last_body["siteMeters"]
    state = State.from_json(text)
    # Beside the plants, what a state holds at its largest: a long token, the lockout guard
    # full, a probable lock, pending readings, a STATION not found, every type read.
    now = state.token_issued_at or 0.0
    later = now + 1799.123456789
    state.token = "x-" + "a" * 198
    state.rejected_credentials = " ".join(
        credentials_hash(Credentials("user", str(i))) for i in range(MAX_GUARDED)
    )
    state.login_tries = [now + 0.123456789 + i for i in range(HUAWEI_LOCKS_AFTER)]
    state.no_login_before = state.locked_until = later
    state.kpi_pending, state.plant_checked_at = later - 900, now + 0.123456789
    state.unserved_types = [23070]
    state.missing_types = [38, 39, 47]  # a device list lacking types, kept until a next one agrees
    facts = state.plant_facts or []
    assert facts and all(f.capacity_kwp and f.latitude and f.grid_connection_date for f in facts)
    state.negative_runs = 288 * 7  # a week of negative consumption
    assert state.meter_watch is not None
    state.meter_watch = replace(state.meter_watch, held=12)  # counters left out: the last held
    state.last_fetch.update({str(t): now + 0.123456789 for t in READ_TYPES})
    text = state.to_json()
    print(f"{count} plants: the largest state is {len(text)} characters")
    assert len(text) <= SSM_MAX_CHARS, f"{count} plants: {len(text)} characters"
    assert State.from_json(text, now) == state
