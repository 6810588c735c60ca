"""The meter-direction self-check: power sign against the meter's own counters, over runs."""

import json
from dataclasses import replace

import pytest

from fusioncharge.accounting import meter_direction
from fusioncharge.accounting.site_meters import MeterSample
from fusioncharge.errors import StateError
from fusioncharge.state import State

MIN = 60_000


def runs(samples: list[MeterSample]) -> list[str | None]:
    watch, warnings = None, []
    for sample in samples:
        watch, warning = meter_direction.check(watch, sample)
        warnings.append(warning)
    return warnings


def exporting(n: int, *, counters_say_export: bool) -> list[MeterSample]:
    """n runs 5 minutes apart at 2 kW export; the counters grow on one side by ~0.17 kWh."""
    step = 2.0 * 5 / 60
    out = []
    for i in range(n):
        grown = 100 + i * step
        imp, exp = (100.0, grown) if counters_say_export else (grown, 100.0)
        out.append(MeterSample(47, 47, 2.0, imp, exp, i * 5 * MIN))
    return out


def test_agreeing_power_and_counters_never_warn():
    assert runs(exporting(8, counters_say_export=True)) == [None] * 8


def test_disagreement_over_several_runs_warns_naming_the_setting():
    warnings = runs(exporting(5, counters_say_export=False))
    assert warnings[:3] == [None, None, None]  # one odd run is a passing cloud
    assert warnings[3] is not None and "METER_EXPORT_POSITIVE" in warnings[3]
    assert "nothing was flipped" in warnings[3]


def test_a_gap_or_another_meter_starts_again():
    samples = exporting(5, counters_say_export=False)
    far = MeterSample(47, 47, 2.0, 200.0, 100.0, samples[2].time_ms + 3600 * 1000)
    assert runs([*samples[:3], far, *samples[3:]])[3:] == [None, None, None]


def test_what_it_keeps_fits_in_the_state():
    watch, _ = meter_direction.check(None, exporting(1, counters_say_export=True)[0])
    state = State(meter_watch=watch, unserved_types=[23070])
    assert len(state.to_json()) < 200
    assert State.from_json(state.to_json()).meter_watch == watch


def test_summed_meters_of_several_plants_are_watched_as_one():
    summed = [replace(s, also=(48,)) for s in exporting(5, counters_say_export=False)]
    warnings = runs(summed)
    assert warnings[3] is not None and "meters 47, 48 (summed over the plants)" in warnings[3]
    watch, _ = meter_direction.check(None, summed[0])
    assert meter_direction.previous(watch).also == (48,)
    # The same first meter with another beside it is another sum: the streak starts again.
    other = [*summed[:3], *(replace(s, also=(49,)) for s in summed[3:])]
    assert runs(other)[3] is None


def test_a_summed_watch_survives_the_states_own_checks():
    sample = replace(exporting(1, counters_say_export=True)[0], also=(48, -1000000035436849))
    watch, _ = meter_direction.check(None, sample)
    state = State.from_json(State(meter_watch=watch).to_json(), now=1.0)
    assert meter_direction.previous(state.meter_watch) == replace(sample, type_id=0)
    stored = json.loads(State(meter_watch=watch).to_json())
    assert stored["meter_watch"]["a"] == [48, -1000000035436849]
    stored["meter_watch"]["a"] = [48, "x"]
    with pytest.raises(StateError):
        State.from_json(json.dumps(stored))
