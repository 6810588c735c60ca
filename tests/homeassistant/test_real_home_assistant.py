"""The hass sink against a real Home Assistant running the repository's package: the values,
units and classes of the sensors, the error sensor, and every value unavailable once its
reading is 15 minutes old (never a stale number)."""

import json
import time

import pytest
import requests

from emulator.receivers.hass import HassWebhook
from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Deadline, SystemClock
from fusioncharge.errors import HassWebhookUnknown
from fusioncharge.sinks.hass import HassSink
from tests.homeassistant.conftest import WEBHOOK_ID, HomeAssistant
from tools.local.site import Site, worked_example_scenario

pytestmark = pytest.mark.slow
CLOCK = SystemClock()
MINUTE_MS = 60_000
SENSORS = {  # entity: (site meter, device_class, state_class, unit)
    "production": ("production_kw", "power", "measurement", "kW"),
    "consumption": ("consumption_kw", "power", "measurement", "kW"),
    "net_import": ("net_import_kw", "power", "measurement", "kW"),
    "battery_discharge": ("battery_discharge_kw", "power", "measurement", "kW"),
    "imported_energy": ("imported_kwh", "energy", "total_increasing", "kWh"),
    "exported_energy": ("exported_kwh", "energy", "total_increasing", "kWh"),
}


def _push(hass: HomeAssistant, meters: SiteMeters) -> None:
    HassSink(hass.webhook_url, CLOCK).push(meters, Deadline.after(CLOCK, 10), {})


def _meters(age_ms: int = 0, **values: float) -> SiteMeters:
    now_ms = int(CLOCK.now() * 1000)
    return SiteMeters(**{"production_kw": 1.0, **values}, tsms=now_ms - age_ms)  # type: ignore[arg-type]


def _sensor(name: str) -> str:
    return f"sensor.fusioncharge_{name}"


def _is(value: str):
    return lambda state: state.get("state") == value


def test_a_run_of_the_real_handler_shows_in_home_assistant(home_assistant):
    scenario = {**worked_example_scenario(), "current_time_ms": int(CLOCK.now() * 1000)}
    with Site(scenario, settings={"SINKS": "chargehq,hass"}) as site:
        secret = {**site.secret, "hass_webhook_url": home_assistant.webhook_url}
        site.set_secret(secret)
        run = site.run()
    assert run.error is None
    assert run.result.sinks == {"chargehq": "ok", "hass": "ok"}
    meters = run.result.site_meters.as_dict()
    for name, (field, device_class, state_class, unit) in SENSORS.items():
        state = home_assistant.wait_for(_sensor(name), _is(str(float(meters[field]))))
        attributes = state["attributes"]
        assert attributes["unit_of_measurement"] == unit
        assert attributes["device_class"] == device_class
        assert attributes["state_class"] == state_class
    battery = home_assistant.wait_for(
        _sensor("battery"), _is(str(round(meters["battery_soc"] * 100, 1)))
    )
    assert battery["attributes"]["unit_of_measurement"] == "%"
    assert battery["attributes"]["device_class"] == "battery"
    assert home_assistant.state(_sensor("error"))["state"] == "ok"
    last = home_assistant.state(_sensor("last_received"))
    assert last["attributes"]["device_class"] == "timestamp"


def test_an_error_push_shows_in_the_error_sensor_and_leaves_no_number(home_assistant):
    _push(home_assistant, _meters(production_kw=3.21))
    home_assistant.wait_for(_sensor("production"), _is("3.21"))
    message = "fusionsolar_unavailable: FusionSolar timed out; the next poll reads again"
    HassSink(home_assistant.webhook_url, CLOCK).tell(message, Deadline.after(CLOCK, 10), {})
    home_assistant.wait_for(_sensor("error"), _is(message))
    home_assistant.wait_for(_sensor("production"), _is("unavailable"))


def test_an_unknown_value_is_not_a_number(home_assistant):
    _push(home_assistant, _meters(production_kw=2.0, consumption_kw=1.5))
    home_assistant.wait_for(_sensor("consumption"), _is("1.5"))
    _push(home_assistant, _meters(production_kw=2.5))  # consumption unknown this time
    home_assistant.wait_for(_sensor("production"), _is("2.5"))
    assert home_assistant.state(_sensor("consumption"))["state"] in ("unknown", "unavailable")


def test_a_reading_15_minutes_old_is_unavailable_at_once(home_assistant):
    _push(home_assistant, _meters(production_kw=4.0))
    home_assistant.wait_for(_sensor("production"), _is("4.0"))
    _push(home_assistant, _meters(age_ms=16 * MINUTE_MS, production_kw=4.5))
    home_assistant.wait_for(_sensor("production"), _is("unavailable"))
    assert home_assistant.state(_sensor("error"))["state"] == "ok"


def test_values_turn_unavailable_15_minutes_after_the_reading_without_another_push(
    home_assistant,
):
    # A reading 14 min 40 s old is still fresh; the package re-checks once a minute, so
    # within about 80 s, with no further push, it must be unavailable.
    _push(home_assistant, _meters(age_ms=14 * MINUTE_MS + 40_000, production_kw=5.0))
    home_assistant.wait_for(_sensor("production"), _is("5.0"))
    home_assistant.wait_for(_sensor("production"), _is("unavailable"), seconds=90)
    home_assistant.wait_for(_sensor("error"), _is("nothing received for 15 minutes"))


def test_home_assistant_answers_200_to_an_unknown_webhook_id(home_assistant):
    """Why a 200 to the POST is not "ok": the sink asks whether the webhook exists."""
    _push(home_assistant, _meters(production_kw=6.0))
    home_assistant.wait_for(_sensor("production"), _is("6.0"))
    wrong = home_assistant.webhook_url.replace("fusioncharge-test", "not-the-id")
    posted = requests.post(wrong, json={"production_kw": 7.0}, timeout=10)
    assert posted.status_code == 200  # sent, and nothing received
    with pytest.raises(HassWebhookUnknown):
        HassSink(wrong, CLOCK).push(_meters(production_kw=7.0), Deadline.after(CLOCK, 10), {})
    time.sleep(1.0)
    assert home_assistant.state(_sensor("production"))["state"] == "6.0"


def test_the_webhook_is_confirmed_under_the_right_id_and_named_under_a_wrong_one(home_assistant):
    memory: dict = {}
    sink = HassSink(home_assistant.webhook_url, CLOCK)
    assert sink.push(_meters(production_kw=6.5), Deadline.after(CLOCK, 10), memory) == "ok"
    assert memory["confirmed_at"] > 0  # Home Assistant answered 405 to the GET
    wrong = home_assistant.webhook_url.replace("fusioncharge-test", "not-the-id")
    with pytest.raises(HassWebhookUnknown, match="packages: !include_dir_named packages"):
        HassSink(wrong, CLOCK).push(_meters(), Deadline.after(CLOCK, 10), {})


def test_without_the_packages_line_the_webhook_is_named_unknown(without_packages_line):
    sink = HassSink(without_packages_line.webhook_url, CLOCK)
    with pytest.raises(HassWebhookUnknown) as caught:
        sink.push(_meters(), Deadline.after(CLOCK, 10), {})
    assert "configuration.yaml" in str(caught.value) and WEBHOOK_ID not in str(caught.value)
    assert without_packages_line.state(_sensor("production")) == {}  # no entity at all


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "HEAD", "DELETE"])
def test_the_stand_in_answers_as_the_real_home_assistant(home_assistant, method):
    """emulator/receivers/hass.py plays Home Assistant's webhook component in make run and the
    integration tests: the same status for each method, under the id and under an unknown one."""
    with HassWebhook(WEBHOOK_ID) as stand_in:
        for url, stand_in_url in (
            (home_assistant.webhook_url, stand_in.url),
            (home_assistant.webhook_url + "-unknown", stand_in.url + "-unknown"),
        ):
            real = requests.request(method, url, json={"tsms": 0}, timeout=10)
            played = requests.request(method, stand_in_url, json={"tsms": 0}, timeout=10)
            assert played.status_code == real.status_code, (method, url)


def test_make_run_tries_the_package_before_deploying(home_assistant):
    """README's way to see it work: make run SINKS=hass HASS_WEBHOOK_URL=... (no LIVE)."""
    from tests.integration.tools.local.test_run import make

    result = make("run", "SINKS=hass", HASS_WEBHOOK_URL=home_assistant.webhook_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "# sinks: hass=ok" in result.stderr
    sent = next(line for line in result.stdout.splitlines() if line.startswith("# hass sent: "))
    production = json.loads(sent.removeprefix("# hass sent: "))["production_kw"]
    home_assistant.wait_for(_sensor("production"), _is(str(float(production))))
