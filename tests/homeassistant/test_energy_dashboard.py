"""The package's energy sensors in Home Assistant's Energy dashboard, with a real Home Assistant:
grid, solar and battery saved as energy preferences over the websocket, a day's readings pushed
through the hass sink, then Home Assistant's own `energy/validate` finds no issue and the
statistics it compiles hold exactly the energies pushed.

No wall-clock wait: the recorder compiles each 5-minute period by timer once it has ended; the
test integration (custom_components/fusioncharge_test) runs the same compile for the periods
the pushes fell in as soon as the last push is recorded (the recorder's queue orders it after
them). The last period may still be open then; its compile is the one the timer would make,
since nothing changes those sensors' states after the last push.

Statistics are read as the Energy dashboard reads them: `recorder/statistics_during_period`,
each period's change of the sum, the first period against nothing before it (0). Not
`recorder/statistic_during_period`: it cuts the window at "now" and measures the change from
the period before the window, so for a statistic as new as this test's it says 0."""

from datetime import UTC, datetime, timedelta

import pytest

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Deadline, SystemClock
from fusioncharge.sinks.hass import HassSink
from tests.homeassistant.conftest import HomeAssistant
from tests.homeassistant.websocket import HassWebSocket

pytestmark = pytest.mark.slow
CLOCK = SystemClock()
SOLAR = "sensor.fusioncharge_solar_energy_today"
CHARGED = "sensor.fusioncharge_battery_charged_today"
DISCHARGED = "sensor.fusioncharge_battery_discharged_today"
IMPORTED = "sensor.fusioncharge_imported_energy"
EXPORTED = "sensor.fusioncharge_exported_energy"
ENTITIES = (SOLAR, CHARGED, DISCHARGED, IMPORTED, EXPORTED)
# A day as the poller pushes it: yesterday's last figures, the restart at the plant's midnight,
# the day's counters growing (the last one is the public capture's day); the meter's lifetime
# counters. (production_today, charged, discharged, imported, exported) in kWh.
DAY = [
    (30.0, 11.0, 5.0, 583.08, 322.32),
    (0.0, 0.0, 0.0, 583.9, 322.32),
    (0.0, 0.0, 1.2, 584.6, 322.32),
    (5.2, 2.0, 1.2, 584.9, 324.0),
    (20.1, 10.5, 1.2, 585.0, 331.5),
    (33.38, 13.12, 4.53, 590.5, 340.0),
]
PUSHED = {  # what the day added to each statistic's sum (a restart counts from 0)
    SOLAR: 33.38,
    CHARGED: 13.12,
    DISCHARGED: 4.53,
    IMPORTED: round(590.5 - 583.08, 2),
    EXPORTED: round(340.0 - 322.32, 2),
}
NO_PRICE = {"entity_energy_price": None, "number_energy_price": None}
PREFERENCES = {
    "energy_sources": [
        {
            "type": "grid",
            "flow_from": [{"stat_energy_from": IMPORTED, "stat_cost": None, **NO_PRICE}],
            "flow_to": [{"stat_energy_to": EXPORTED, "stat_compensation": None, **NO_PRICE}],
            "cost_adjustment_day": 0,
        },
        {"type": "solar", "stat_energy_from": SOLAR, "config_entry_solar_forecast": None},
        {"type": "battery", "stat_energy_from": DISCHARGED, "stat_energy_to": CHARGED},
    ],
    "device_consumption": [],
}


def _push(hass: HomeAssistant, solar, charged, discharged, imported, exported) -> None:
    meters = SiteMeters(
        production_kw=1.0,
        imported_kwh=imported,
        exported_kwh=exported,
        production_today_kwh=solar,
        battery_charged_today_kwh=charged,
        battery_discharged_today_kwh=discharged,
        tsms=int(CLOCK.now() * 1000),
    )
    HassSink(hass.webhook_url, CLOCK).push(meters, Deadline.after(CLOCK, 10), {})
    for entity, value in zip(ENTITIES, meters_of(meters), strict=True):
        hass.wait_for(entity, lambda state, v=value: state.get("state") == str(v))


def meters_of(meters: SiteMeters) -> tuple[float | None, ...]:
    return (
        meters.production_today_kwh,
        meters.battery_charged_today_kwh,
        meters.battery_discharged_today_kwh,
        meters.imported_kwh,
        meters.exported_kwh,
    )


def _period_start(at: datetime) -> datetime:
    return at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)


def test_the_energy_dashboard_validates_clean_and_sums_the_pushed_day(home_assistant):
    first = _period_start(datetime.now(UTC))
    for readings in DAY:
        _push(home_assistant, *readings)
    last = _period_start(datetime.now(UTC))
    with HassWebSocket(home_assistant.base_url, home_assistant.token) as ws:
        ws.call("energy/save_prefs", **PREFERENCES)
        period = first
        while period <= last:  # the pushes may straddle a 5-minute boundary
            ws.call("fusioncharge_test/compile_statistics", start=period.isoformat())
            period += timedelta(minutes=5)
        # As the Energy dashboard asks: each period's change of the sum (the first against 0).
        compiled = ws.call(
            "recorder/statistics_during_period",
            start_time=first.isoformat(),
            end_time=(last + timedelta(minutes=5)).isoformat(),
            statistic_ids=list(PUSHED),
            period="5minute",
            types=["change"],
        )
        validation = ws.call("energy/validate")
    assert len(validation["energy_sources"]) == 3, validation
    assert all(issues == [] for issues in validation["energy_sources"]), validation
    assert validation["device_consumption"] == [], validation
    added = {entity: sum(row["change"] for row in compiled.get(entity, [])) for entity in PUSHED}
    assert added == pytest.approx(PUSHED, abs=0.005), compiled


def test_an_energy_left_out_never_reads_as_zero(home_assistant):
    _push(home_assistant, 12.5, 3.0, 1.0, 600.0, 350.0)
    meters = SiteMeters(production_kw=1.0, tsms=int(CLOCK.now() * 1000), imported_kwh=600.5)
    HassSink(home_assistant.webhook_url, CLOCK).push(meters, Deadline.after(CLOCK, 10), {})
    home_assistant.wait_for(IMPORTED, lambda state: state.get("state") == "600.5")
    for entity in (SOLAR, CHARGED, DISCHARGED):
        assert home_assistant.state(entity)["state"] == "unavailable"
