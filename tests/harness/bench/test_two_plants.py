"""The benchmark's second scenario: two plants' figures, judged by their own targets."""

from types import SimpleNamespace

from bench.awscount import AwsCalls
from bench.day import two_plants_scenario
from bench.day_record import DayResult, SimulatedRun
from bench.figures import two_plant_figures


def call(interface: str, outcome: str = "ok") -> SimpleNamespace:
    return SimpleNamespace(interface=interface, outcome=outcome)


def run(index: int, *calls: SimpleNamespace) -> SimulatedRun:
    push = SimpleNamespace(body={"siteMeters": {"production_kw": 1.0}}, status=200, problems=[])
    return SimulatedRun(index, 0.0, False, 1.0, 0.0, list(calls), [push], None, "")


def test_a_run_with_a_fourth_reading_call_or_a_refusal_misses_the_targets():
    kpi = call("getDevRealKpi")
    good = [run(i, *[kpi] * 3) for i in range(288)]
    figures = two_plant_figures(DayResult("ours", good, AwsCalls(), None))
    assert figures["getdevrealkpi_calls_per_run"] == {"3": 288}
    assert all(figures["targets"].values())
    bad = [*good[:-1], run(287, *[kpi] * 3, call("getDevRealKpi", "quota"))]
    figures = two_plant_figures(DayResult("ours", bad, AwsCalls(), None))
    assert figures["getdevrealkpi_calls_per_run"] == {"3": 287, "4": 1}
    assert not figures["targets"]["getdevrealkpi_calls_per_reading_run"]
    assert not figures["targets"]["quota_refusals_per_day"]


def test_the_scenario_is_the_two_plant_file_on_the_day_model():
    scenario = two_plants_scenario()
    assert scenario["settings"]["STATION"] == "House,Garage"
    assert "kpis" not in scenario and "current_time_ms" not in scenario
    assert {d["stationCode"] for d in scenario["devices"]} == {"NE=44556601", "NE=44556602"}
