"""Two nights in a home whose inverter disconnects at dusk: every value "N/A" until dawn.

576 runs of the real handler on the emulator's clock (a plant near Tokyo in November, with
its coordinates in the plant list). By night the run pushes production 0, not `error`; by day
the readings are the day's. Then the two days' metrics go through the template's own alarms
(alarm_replay.py): nothing is mailed. Before nights were decided by the sun, every night
pushed `error` and the no-push alarm mailed every night.

(A week until issue 28: each night is decided alone, by that day's sun, so two show it: a dusk,
a dawn whose readings are the day's again, and a second night after a day of readings.)
"""

import json

import pytest

from emulator.fusionsolar.scenario import default_station
from fusioncharge.errors import ReadingsIncomplete
from tests.support.alarm_replay import RunMetrics, emf_metrics, template_notifications
from tests.support.run_checks import LogCapture, RunLog
from tools.local.site import Site

RUNS = 576  # 2 days x 288 five-minute slots
TOKYO = {"latitude": 35.68, "longitude": 139.77}  # 139.77 is no latitude: no swap to doubt
NO_BATTERY = [
    {"id": 1001, "devName": "Inverter", "devTypeId": 38, "stationCode": "NE=1"},
    {"id": 1002, "devName": "Meter", "devTypeId": 47, "stationCode": "NE=1"},
]


@pytest.mark.slow
def test_two_nights_with_a_disconnected_inverter_mail_nothing() -> None:
    scenario = {
        "stations": [{**default_station("NE=1"), **TOKYO, "capacity": 6.0}],
        "devices": NO_BATTERY,
        "utc_offset_hours": 9.32,  # the emulator's sun: Tokyo's solar time
        "inverters_unknown_at_night": True,
        "settings": {"STATION": "NE=1", "PLANT_TIMEZONE": "Asia/Tokyo"},
    }
    metrics, outcomes, nights = [], {"site meters": 0, "error": 0}, 0
    # No faults here: a long hold only keeps a loaded machine's slow loopback reply from
    # timing out (the nights are what these days are about).
    with Site(scenario, timeout_hold=10.0) as site, LogCapture(site.app, debug=False) as log:
        runs = RunLog(site)
        start = site.clock.now()
        for number in range(RUNS):
            site.clock.set(max(site.clock.now(), start + number * 300))
            before = len(log.text)
            run = runs.run()
            emitted = [
                json.loads(line)
                for line in log.text[before:].splitlines()
                if line.startswith('{"_aws"')
            ]
            metrics.append(RunMetrics(run.started, emf_metrics(emitted), run.error is not None))
            outcomes["error" if run.error is not None else "site meters"] += 1
            if isinstance(run.error, ReadingsIncomplete):
                outcomes["readings_incomplete"] = outcomes.get("readings_incomplete", 0) + 1
            meters = (run.accepted[-1] if run.accepted else {}).get("siteMeters") or {}
            nights += meters.get("production_kw") == 0.0
        end = site.clock.now()
        runs.check_invariants(log.text)
    mails = template_notifications(metrics, end)
    shown = f"{outcomes}, {nights} runs at night, mails: {mails}"
    assert "readings_incomplete" not in outcomes, shown  # not one night pushed `error`
    assert outcomes["error"] <= 2, shown  # a loaded machine's hiccup, never the nights
    assert nights >= 2 * 100, shown  # ten hours a night at least: the nights were there
    assert mails == [], shown
