"""The meter-direction self-check: power sign against the meter's own counters, over runs."""

import json
from dataclasses import replace

import pytest

from fusioncharge.accounting import meter_direction
from fusioncharge.accounting.site_meters import MeterSample
from fusioncharge.errors import StateError
from fusioncharge.models import MeterWatch
from fusioncharge.state import State
from tests.support.readings import MIN, T


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


# The meter-direction watch's promises (accounting/meter_direction.py) at its limits: 20 Wh,
# 200 W, 20 minutes, 3 runs in a row, counters at 0, and each counter remembered as what it is.


def sample(i: int, imported: float, exported: float, export_kw: float = 2.0) -> MeterSample:
    return MeterSample(47, 47, export_kw, imported, exported, i * 5 * MIN)


def warnings_of(samples: list[MeterSample]) -> list[str | None]:
    watch, out = None, []
    for s in samples:
        watch, warning = meter_direction.check(watch, s)
        out.append(warning)
    return out


def test_the_watch_remembers_each_counter_as_what_it_is():
    watch, _ = meter_direction.check(None, sample(0, imported=1000.0, exported=20.0))
    previous = meter_direction.previous(watch)
    assert previous is not None
    assert (previous.imported_kwh, previous.exported_kwh) == (1000.0, 20.0)
    assert (previous.export_kw, previous.time_ms, previous.device_id) == (2.0, 0, 47)


def test_exporting_with_the_export_counter_growing_never_warns():
    runs = [sample(i, imported=1000.0, exported=20.0 + 0.2 * i) for i in range(6)]
    assert warnings_of(runs) == [None] * 6


def test_a_quiet_run_neither_adds_to_nor_resets_the_disagreement_streak():
    # power says export while the import counter grows; the third run's counters stand still
    imported = [10.0, 10.25, 10.25, 10.5, 10.75]
    runs = [sample(i, imported=v, exported=5.0) for i, v in enumerate(imported)]
    assert warnings_of(runs)[:4] == [None] * 4
    assert "3 runs in a row" in (warnings_of(runs)[4] or "")


def test_a_run_that_agrees_resets_the_streak():
    imported = [10.0, 10.25, 10.5, 10.5, 10.75, 11.0]
    exported = [5.0, 5.0, 5.0, 5.25, 5.25, 5.25]
    runs = [
        sample(i, imported=a, exported=b)
        for i, (a, b) in enumerate(zip(imported, exported, strict=True))
    ]
    assert warnings_of(runs) == [None] * 6


def watch_of(n: int, ms: int, imported: float, exported: float, power: float) -> MeterWatch:
    return MeterWatch(47, ms, power, imported, exported, streak=n)


def warns_after_two(watch: MeterWatch, now: MeterSample) -> bool:
    """True when this run makes the third disagreement in a row."""
    kept, warning = meter_direction.check(replace(watch, streak=2), now)
    assert kept is not None
    return warning is not None


FIVE = 5 * MIN


def step(imported: float, exported: float, power: float, gap: int = FIVE) -> MeterSample:
    return MeterSample(47, 47, power, imported, exported, T + gap)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((10.0, 0.0, 2.0), (10.0, 0.25, 2.0)),  # export from a counter at 0
        ((0.0, 10.0, -2.0), (0.25, 10.0, -2.0)),  # import from a counter at 0
        ((10.0, 0.0, -2.0), (10.25, 0.0, -2.0)),  # import, the export counter stays 0
        ((0.0, 10.0, 2.0), (0.0, 10.25, 2.0)),  # export, the import counter stays 0
    ],
)
def test_counters_at_zero_are_read_as_zero(before, after):
    assert not warns_after_two(watch_of(2, T, *before), step(*after))


def test_disagreement_needs_a_clear_flow_of_at_least_20_wh_and_200_w():
    """Exactly at both limits the flow is clear; below either it is not."""
    disagree = step(0.02, 0.0, 0.2)  # counters: 20 Wh in; power: 200 W out
    assert warns_after_two(watch_of(2, T, 0.0, 0.0, 0.2), disagree)
    assert warns_after_two(watch_of(2, T, 0.0, 0.0, 0.25), step(0.03, 0.0, 0.25))
    assert not warns_after_two(watch_of(2, T, 0.0, 0.0, 0.2), step(0.019, 0.0, 0.2))
    assert not warns_after_two(watch_of(2, T, 0.0, 0.0, 0.15), step(0.5, 0.0, 0.15))
    assert warns_after_two(watch_of(2, T, 0.0, 0.0, 0.5), step(0.5, 0.0, 0.5))


def test_samples_further_apart_than_20_minutes_start_the_count_again():
    watch = watch_of(2, T, 10.0, 0.0, 2.0)
    assert warns_after_two(watch, step(10.5, 0.0, 2.0, gap=20 * MIN))
    assert not warns_after_two(watch, step(10.5, 0.0, 2.0, gap=20 * MIN + 1))
    assert warns_after_two(watch, step(10.5, 0.0, 2.0, gap=1))
    assert not warns_after_two(watch, step(10.5, 0.0, 2.0, gap=0))  # the same reading again
    kept, _ = meter_direction.check(watch, step(10.5, 0.0, 2.0, gap=20 * MIN + 1))
    assert kept is not None and kept.streak == 0


def test_a_stored_watch_without_a_count_starts_from_none():
    stored = {"d": 47, "ms": T, "p": 2.0, "i": 10.0, "e": 0.0}
    watch = State.from_json(json.dumps({"v": 2, "meter_watch": stored})).meter_watch
    kept, _ = meter_direction.check(watch, step(10.5, 0.0, 2.0))
    assert kept is not None and kept.streak == 1


def test_the_watch_keeps_power_to_the_watt():
    kept, _ = meter_direction.check(None, step(1.0, 1.0, 2.12345))
    assert kept is not None and kept.export_kw == 2.123


def test_the_warning_says_which_way_power_and_counters_point():
    _, warning = meter_direction.check(watch_of(2, T, 10.0, 0.0, 0.5), step(10.5, 0.0, 0.5))
    assert "power says export, counters say import" in (warning or "")
    _, warning = meter_direction.check(watch_of(2, T, 0.0, 10.0, -0.5), step(0.0, 10.5, -0.5))
    assert "power says import, counters say export" in (warning or "")


# --- a run whose counters are left out holds the last good sample for 12 runs (an hour) -------
GOOD = MeterSample(47, 47, 0.5, 10.0, 20.0, 1_700_000_000_000)


def unread(device: int = 47, also: tuple[int, ...] = ()) -> MeterSample:
    return MeterSample(device, device, 0.5, None, 20.0, 1_700_000_300_000, also)


def test_a_good_sample_is_held_for_12_runs_without_counters_then_dropped():
    watch, _ = meter_direction.check(None, GOOD)
    assert watch is not None and watch.held == 0
    for held in range(1, 13):
        watch, warning = meter_direction.check(watch, unread())
        assert watch is not None and watch.held == held and warning is None
        assert meter_direction.previous(watch) == meter_direction.previous(replace(watch, held=0))
    assert meter_direction.check(watch, unread()) == (None, None)


@pytest.mark.parametrize("sample", [unread(48), unread(47, also=(48,))])
def test_another_meter_without_counters_drops_the_held_sample(sample):
    watch, _ = meter_direction.check(None, GOOD)
    assert meter_direction.check(watch, sample) == (None, None)


def test_without_a_held_sample_a_run_without_counters_keeps_none():
    assert meter_direction.check(None, unread()) == (None, None)
