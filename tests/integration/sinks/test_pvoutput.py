"""PVOutput's day adds up: the real handler every 5 minutes against the FusionSolar emulator and
the PVOutput stand-in, which keeps a day as PVOutput does (a slot each, a later status in a slot
replacing the one there).

`v1` (energy generated today, Wh) is the site meters' solar energy today from Huawei's own daily
counters: present from a plant's first reading, through a 35-minute gap and both daylight saving
changes (Europe/Amsterdam, 2026-03-29 and 2026-10-25), and at the day's end it is the plant's
own solar energy that day. Before, it was added up from the powers: unknown on the first day
and for the rest of a day after a gap over 30 minutes, and the fall-back hour sent twice.
"""

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from emulator.fusionsolar import daycurve
from emulator.fusionsolar.example_plants import default_devices, default_station
from emulator.receivers.pvoutput import StatusRecord
from fusioncharge.errors import PvOutputDateRefused
from tools.local.site import Site

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TOLERANCE_WH = 40  # three counters, each given to 0.01 kWh


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _site(start: float, utc_offset_hours: float, **settings: str) -> Site:
    """A plant near Frankfurt (DC-coupled battery) whose emulated day starts at the local
    midnight of `utc_offset_hours` (the emulator's counters use a fixed offset)."""
    scenario = {
        "stations": [default_station("NE=1")],
        "devices": default_devices("NE=1"),
        "current_time_ms": int(start * 1000),
        "utc_offset_hours": utc_offset_hours,
    }
    return Site(
        scenario,
        settings={"STATION": "NE=1", "SINKS": "pvoutput", "PLANT_TIMEZONE": "Europe/Amsterdam"}
        | settings,
    )


def _solar_today_wh(at: float, utc_offset_hours: float) -> float:
    """The emulated plant's own solar energy today (its panels', not the battery's)."""
    params = daycurve.PlantParams(utc_offset_hours=utc_offset_hours)
    return daycurve.plant_state(at, params).day_yield_kwh * 1000


def _runs(site: Site, times: list[float]) -> list[Any]:
    outcomes = []
    for at in times:
        site.clock.set(at)
        run = site.run()
        assert run.error is None, run.error
        outcomes.append(run.result.sinks["pvoutput"])
    return outcomes


def _check_day_adds_up(statuses: list[StatusRecord], day: dict[str, dict[str, str]]) -> None:
    """Every status has v1, and it never goes down in the day PVOutput keeps."""
    assert statuses and all("v1" in s.form for s in statuses)
    kept = [int(form["v1"]) for form in day.values()]
    assert kept == sorted(kept), "energy today went down"


def test_the_first_day_and_a_35_minute_gap_keep_v1():
    start = _utc("2026-06-10 06:00")  # 08:00 in Amsterdam, summer time
    before_gap = [start + n * 300 for n in range(24)]  # 08:00 - 09:55
    after_gap = [before_gap[-1] + 35 * 60 + n * 300 for n in range(24)]  # 10:30 - 12:25
    with _site(start, 2.0) as site:
        assert set(_runs(site, before_gap + after_gap)) == {"ok"}
        statuses = site.pvoutput.accepted
        day = site.pvoutput.day("20260610")
    assert len(statuses) == 48 and len(day) == 48 and not site.pvoutput.overwritten
    _check_day_adds_up(statuses, day)
    # The first status of the plant's first day already has today's solar (08:00: a little).
    assert int(statuses[0].form["v1"]) > 0
    assert abs(int(statuses[0].form["v1"]) - _solar_today_wh(start, 2.0)) <= TOLERANCE_WH
    assert "10:30" in day and "10:05" not in day  # the gap: nothing made up for it
    last = after_gap[-1]
    assert abs(int(day["12:25"]["v1"]) - _solar_today_wh(last, 2.0)) <= TOLERANCE_WH
    assert all("v3" not in s.form for s in statuses)  # consumption today: never made up


def test_the_fall_back_hour_never_overwrites_a_status_and_the_day_adds_up():
    # 2026-10-25 00:00 CEST (22:00 UTC the day before) to 12:55 CET: 03:00 CEST is 02:00 CET.
    start = _utc("2026-10-24 22:00")
    times = [start + n * 300 for n in range(12 * 14)]
    with _site(start, 2.0) as site:
        outcomes = _runs(site, times)
        statuses = site.pvoutput.accepted
        day = site.pvoutput.day("20261025")
    # The repeated 02:00-02:55 waits (its slots are PVOutput's already); nothing else does.
    assert outcomes.count("waiting") == 12 and outcomes.count("ok") == len(times) - 12
    assert not site.pvoutput.overwritten
    assert len(day) == len(times) - 12 and "02:55" in day and "03:00" in day
    [sent_0205] = [s for s in statuses if s.form["t"] == "02:05"]
    assert sent_0205.time < _utc("2026-10-25 01:00")  # summer time's 02:05, kept as it was
    _check_day_adds_up(statuses, day)
    assert int(day["12:55"]["v1"]) > 5000  # a sunny late-October morning, not 0
    last = times[-1]
    assert abs(int(day["12:55"]["v1"]) - _solar_today_wh(last, 2.0)) <= TOLERANCE_WH


def test_the_spring_forward_gap_is_skipped_and_the_day_adds_up():
    # 2026-03-29 00:00 CET (23:00 UTC the day before) to 13:55 CEST: 02:00 CET is 03:00 CEST.
    start = _utc("2026-03-28 23:00")
    times = [start + n * 300 for n in range(12 * 13)]
    with _site(start, 1.0) as site:
        assert set(_runs(site, times)) == {"ok"}
        statuses = site.pvoutput.accepted
        day = site.pvoutput.day("20260329")
    assert len(statuses) == len(times) == len(day) and not site.pvoutput.overwritten
    assert "01:55" in day and "03:00" in day and not any(t.startswith("02:") for t in day)
    _check_day_adds_up(statuses, day)
    last = times[-1]
    assert abs(int(day["13:55"]["v1"]) - _solar_today_wh(last, 1.0)) <= TOLERANCE_WH


def test_a_summer_offset_in_winter_is_an_error_naming_plant_timezone():
    """No PlantTimezone: the plant's grid connection date gives a summer offset (+02:00);
    PVOutput, in Amsterdam's winter time, refuses every status as in the future."""
    start = _utc("2026-12-01 11:00")  # 12:00 in Amsterdam, 13:00 at +02:00
    with _site(start, 1.0, PLANT_TIMEZONE="") as site:
        site.emulator.scenario["stations"][0]["gridConnectionDate"] = "2023-06-01T10:00:00+02:00"
        site.pvoutput.zone = AMSTERDAM  # the system's time zone in PVOutput's settings
        site.clock.set(start)
        run = site.run()
        again = site.next_run()
    for observed in (run, again):  # every run, not once: an error, not a passing warning
        assert observed.result.sinks == {"pvoutput": "FAILED"}
        error = observed.result.sink_errors["pvoutput"]
        assert error == PvOutputDateRefused.code
    assert run.error is not None and run.error.code == PvOutputDateRefused.code
    text = str(run.error)
    assert "Date is in the future" in text and "UTC+02:00" in text and "PlantTimezone" in text
    assert "FAILED pvoutput_date_refused" in run.result.summary()


def test_a_state_with_the_old_days_tally_is_read_and_the_tally_dropped():
    """Earlier versions kept today's energies added up from powers in PVOutput's memory: such a
    state still loads, the status goes, and the tally is gone from the state saved after."""
    start = _utc("2026-06-10 10:00")
    with _site(start, 2.0) as site:
        assert site.run().result.sinks == {"pvoutput": "ok"}
        state = json.loads(site.state_text() or "{}")
        old = {"day": "20260610", "at": start, "p": 1.2, "c": 3.4, "gen_wh": 1520.0, "use_wh": 9.5}
        state["sinks"]["pvoutput"] = {**state["sinks"]["pvoutput"], **old}
        site.put_state_text(json.dumps(state))
        again = site.next_run()
        kept = json.loads(site.state_text() or "{}")["sinks"]["pvoutput"]
    assert again.error is None and again.result.sinks == {"pvoutput": "ok"}
    assert not set(old) & set(kept) and kept["slot"] == "20260610 12:05"
    assert site.pvoutput.accepted[-1].form["v1"] != "1520"  # the counters', not the tally's
