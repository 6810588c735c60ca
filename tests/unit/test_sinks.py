"""The sinks' own arithmetic and rules, without sockets: PVOutput's status and daily energies
in the plant's local time, Home Assistant's body, ChargeHQ's "gone" signs, and the delivery's
order, deadline slices and verdict."""

import socket
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from urllib3.exceptions import NameResolutionError

from emulator.clock import FakeClock
from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.aws.secrets import parse_secret, sink_keys_error
from fusioncharge.clock import Deadline
from fusioncharge.errors import (
    ChargeHqError,
    ChargeHqRejected,
    ChargeHqUnavailable,
    HassUnavailable,
    PvOutputRejected,
)
from fusioncharge.sinks import FAILED, OK, deliver, share
from fusioncharge.sinks.chargehq import ChargeHqSink, looks_gone, own_service
from fusioncharge.sinks.hass import hass_body
from fusioncharge.sinks.pvoutput import status_form
from fusioncharge.sinks.pvoutput_day import MAX_GAP_SECONDS, advance

SYDNEY = ZoneInfo("Australia/Sydney")


def _epoch(text: str, zone=SYDNEY) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


# --- PVOutput ----------------------------------------------------------------------------------
def test_the_status_is_in_the_plants_local_date_and_5_minute_slot_in_watts():
    at = _epoch("2026-12-02 00:03:59")  # 2026-12-01 13:03:59 UTC
    meters = SiteMeters(production_kw=2.4, consumption_kw=0.8766)
    form = status_form(meters, at, SYDNEY, (1234.4, 56.6))
    assert form == {
        "d": "20261202",
        "t": "00:00",
        "v1": "1234",
        "v2": "2400",
        "v3": "57",
        "v4": "877",
    }


def test_unknown_values_are_left_out_never_zero():
    form = status_form(
        SiteMeters(production_kw=0.5), _epoch("2026-12-02 12:00"), SYDNEY, (None, None)
    )
    assert set(form) == {"d", "t", "v2"}
    negative = status_form(SiteMeters(production_kw=0.5, consumption_kw=-0.1), 0, UTC, (None, None))
    assert "v4" not in negative  # a negative consumption is not a power consumed


def test_daily_energies_add_up_the_intervals_and_restart_at_local_midnight():
    memory: dict = {}
    t = _epoch("2026-12-01 23:50")
    assert advance(memory, t, 1.2, 0.6, SYDNEY) == (None, None)  # no reading before: unknown
    assert advance(memory, t + 300, 1.2, 0.6, SYDNEY) == (None, None)  # the day began unseen
    # 23:55 -> 00:05 at a mean 1.8 / 0.9 kW: only the 5 minutes after midnight count.
    assert advance(memory, t + 900, 2.4, 1.2, SYDNEY) == (150.0, 75.0)
    assert memory["day"] == "20261202"
    assert advance(memory, t + 1200, 0.0, 1.2, SYDNEY) == (250.0, 175.0)


def _day_from_midnight() -> tuple[dict, float]:
    memory: dict = {}
    midnight = _epoch("2026-12-02 00:00")
    advance(memory, midnight - 300, 1.0, 1.0, SYDNEY)
    assert advance(memory, midnight, 1.0, 1.0, SYDNEY) == (0.0, 0.0)
    return memory, midnight


def test_a_gap_or_an_unknown_consumption_leaves_the_day_unknown_until_midnight():
    memory, t = _day_from_midnight()
    assert advance(memory, t + 300, 1.0, 1.0, SYDNEY) == (83.3, 83.3)
    assert advance(memory, t + 300 + MAX_GAP_SECONDS + 1, 1.0, 1.0, SYDNEY) == (None, None)
    assert advance(memory, t + 3000, 1.0, 1.0, SYDNEY) == (None, None)  # still today
    other, t = _day_from_midnight()
    assert advance(other, t + 300, 1.0, None, SYDNEY) == (83.3, None)
    assert advance(other, t + 600, 1.0, 1.0, SYDNEY) == (166.7, None)


# --- Home Assistant ----------------------------------------------------------------------------
def test_the_hass_body_names_units_and_gives_the_state_of_charge_in_percent():
    meters = SiteMeters(
        production_kw=2.4, battery_soc=0.623, net_import_kw=-1.0, tsms=1_700_000_000_000
    )
    body = hass_body(meters, sent_ms=1)
    assert body == {
        "production_kw": 2.4,
        "net_import_kw": -1.0,
        "battery_soc_pct": 62.3,
        "tsms": 1_700_000_000_000,
    }
    assert "consumption_kw" not in body  # unknown: left out
    assert hass_body(SiteMeters(production_kw=1.0), sent_ms=42)["tsms"] == 42


# --- ChargeHQ gone -----------------------------------------------------------------------------
def _rejected(status: int) -> ChargeHqRejected:
    error = ChargeHqRejected("refused")
    error.status = status
    return error


def _name_not_found(errno: int) -> ChargeHqUnavailable:
    """What the funnel raises when the push URL's name did not resolve (requests → urllib3)."""
    try:
        try:
            raise NameResolutionError("api.chargehq.net", None, socket.gaierror(errno, "x"))  # type: ignore[arg-type]
        except NameResolutionError as inner:
            raise ChargeHqUnavailable("could not reach ChargeHQ") from inner
    except ChargeHqUnavailable as exc:
        return exc


def test_what_counts_as_a_sign_that_chargehq_is_gone():
    assert looks_gone(_rejected(404)) and looks_gone(_rejected(410))
    assert not looks_gone(_rejected(401))
    assert looks_gone(_name_not_found(socket.EAI_NONAME))  # no such name
    assert not looks_gone(_name_not_found(socket.EAI_AGAIN))  # our resolver failed
    assert not looks_gone(ChargeHqUnavailable("ChargeHQ is unavailable (HTTP 503)"))


def test_only_chargehq_s_own_address_without_a_proxy_can_say_it_is_gone(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert own_service("https://api.chargehq.net/api/public/push-solar-data", stand_in=False)
    assert not own_service("https://my-relay.example/push", stand_in=False)  # a relay's 404
    assert not own_service("http://api.chargehq.net/push", stand_in=False)  # no TLS: anyone's
    assert own_service("http://127.0.0.1:8080/push", stand_in=True)  # the tests' stand-in
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert not own_service("https://api.chargehq.net/api/public/push-solar-data", stand_in=False)


class _Failing(ChargeHqSink):
    """ChargeHQ's sink whose every POST fails the same way (the gone rule, without sockets)."""

    def __init__(self, error: Exception, clock: FakeClock) -> None:
        super().__init__("https://api.chargehq.net/push", "key", clock)
        self.error = error

    def client(self, deadline):  # type: ignore[no-untyped-def]
        error = self.error

        class _Client:
            def push_site_meters(self, meters):  # type: ignore[no-untyped-def]
                raise error

            push_error = push_site_meters

        return _Client()


def _a_day_of(sink: _Failing, clock: FakeClock, pushing: bool) -> BaseException:
    memory: dict = {}
    for _ in range(2 * 24 + 1):  # every half hour for a day and a half
        try:
            if pushing:
                sink.push(SiteMeters(production_kw=1.0), Deadline.after(clock, 10), memory)
            else:
                sink.tell("fusionsolar_unavailable: ...", Deadline.after(clock, 10), memory)
        except ChargeHqError as exc:
            last = exc
        clock.advance(1800)
    return last


def test_a_day_of_our_own_dns_failing_is_not_chargehq_closing():
    clock = FakeClock(1000.0)
    # The resolver failed (EAI_AGAIN): even while pushing readings, it is our side.
    assert _a_day_of(_Failing(_name_not_found(socket.EAI_AGAIN), clock), clock, True).code == (
        "chargehq_unavailable"
    )
    # No such name, but while the readings failed too (FusionSolar unreachable): maybe our DNS.
    told = _a_day_of(_Failing(_name_not_found(socket.EAI_NONAME), clock), clock, False)
    assert told.code == "chargehq_unavailable"
    # No such name while the readings came in (our DNS works): that is ChargeHQ's answer.
    pushed = _a_day_of(_Failing(_name_not_found(socket.EAI_NONAME), clock), clock, True)
    assert pushed.code == "chargehq_gone" and "make deploy SET=Sinks=hass,pvoutput" in str(pushed)


# --- the delivery ------------------------------------------------------------------------------
class _Sink:
    def __init__(self, name: str, charging: bool, fails: bool = False, takes: float = 0.0):
        self.name, self.charging, self.fails, self.takes = name, charging, fails, takes
        self.slices: list[float] = []

    def push(self, meters, deadline, memory):
        self.slices.append(deadline.remaining())
        deadline.clock.sleep(self.takes)
        if self.fails:
            raise HassUnavailable("down") if self.charging else PvOutputRejected("no")
        return OK

    def tell(self, message, deadline, memory):
        return False


def _deliver(*sinks: _Sink, seconds: float = 30.0):
    clock = FakeClock(1000.0)
    send = lambda sink, deadline, memory: sink.push(None, deadline, memory)  # noqa: E731
    return deliver(list(sinks), send, Deadline.after(clock, seconds), {s.name: {} for s in sinks})


def test_charging_sinks_go_first_and_each_gets_its_share_of_the_time_left():
    pv, ch, ha = _Sink("pvoutput", False), _Sink("chargehq", True, takes=10), _Sink("hass", True)
    delivery = _deliver(pv, ch, ha)
    assert list(delivery.outcomes) == ["chargehq", "hass", "pvoutput"]
    assert ch.slices == [10.0] and ha.slices == [10.0]
    assert pv.slices == [20.0]  # hass was quick: its time goes to the next
    assert delivery.line == "chargehq=ok hass=ok pvoutput=ok"


def test_the_run_fails_only_when_every_charging_sink_failed():
    one_down = _deliver(
        _Sink("chargehq", True, fails=True), _Sink("hass", True), _Sink("pvoutput", False)
    )
    assert (
        one_down.line == f"chargehq={FAILED}(hass_unavailable) hass=ok pvoutput=ok"
        and one_down.run_failed() is None
    )
    monitor_down = _deliver(_Sink("chargehq", True), _Sink("pvoutput", False, fails=True))
    assert monitor_down.run_failed() is None
    both = _deliver(
        _Sink("chargehq", True, fails=True),
        _Sink("hass", True, fails=True),
        _Sink("pvoutput", False),
    )
    assert isinstance(both.run_failed(), HassUnavailable)  # the first charging sink's error
    only_pv = _deliver(_Sink("pvoutput", False, fails=True))
    assert isinstance(only_pv.run_failed(), PvOutputRejected)


def test_a_sinks_bug_is_its_own_failure_and_the_next_sink_still_gets_the_readings():
    class Broken(_Sink):
        def push(self, meters, deadline, memory):
            raise ValueError("site meters must be finite numbers")

    after = _Sink("pvoutput", False)
    delivery = _deliver(Broken("hass", True), _Sink("chargehq", True), after)
    assert delivery.outcomes == {"hass": FAILED, "chargehq": OK, "pvoutput": OK}
    assert delivery.errors["hass"].code == "internal_error"
    assert "finite" not in str(delivery.errors["hass"])  # where, never the message
    assert after.slices


def test_a_slice_never_goes_past_the_deadline():
    clock = FakeClock(0.0)
    assert share(Deadline(clock, 9.0), clock, 3).at == 3.0
    assert share(Deadline(clock, -5.0), clock, 2).at == 0.0


# --- the secret --------------------------------------------------------------------------------
def test_each_listed_sink_needs_its_keys():
    secret = parse_secret(
        {"fusionsolar_username": "u", "fusionsolar_system_code": "c", "pvoutput_system_id": 12345},
        "s",
    )
    assert secret.missing() == ["chargehq_api_key"]
    assert secret.missing(("hass", "pvoutput")) == ["hass_webhook_url", "pvoutput_api_key"]
    assert secret.value("pvoutput_system_id") == "12345"  # a JSON number is taken as typed
    assert not secret.has_keys("pvoutput")


@pytest.mark.parametrize(
    ("key", "value", "must"),
    [
        ("hass_webhook_url", "hooks.nabu.casa/abc", "whole https:// address"),
        ("hass_webhook_url", "http://my-home.example/api/webhook/abc", "whole https:// address"),
        ("hass_webhook_url", 8123, "whole https:// address"),  # a number, not a placeholder
        ("pvoutput_system_id", "my system", "whole number"),
        ("pvoutput_system_id", 12345.0, "no decimals"),
        ("pvoutput_system_id", True, "not true/false"),
        ("chargehq_api_key", 42, "as text in quotes"),
    ],
)
def test_a_sink_key_that_cannot_be_right_is_named_with_what_it_must_be(key, value, must):
    secret = parse_secret(
        {"fusionsolar_username": "u", "fusionsolar_system_code": "c", key: value}, "s"
    )
    assert key not in secret.missing(("chargehq", "hass", "pvoutput"))  # not "fill it in"
    error = sink_keys_error(secret, ("chargehq", "hass", "pvoutput"))
    assert error is not None and f"key {key} must be" in str(error) and must in str(error)
    assert str(value) not in str(error)
    assert sink_keys_error(secret, ("nothing-listed",)) is None  # only the listed sinks' keys


@pytest.mark.parametrize("value", [None, "", "REPLACE_ME", " changeme "])
def test_a_placeholder_still_needs_filling_in(value):
    secret = parse_secret(
        {"fusionsolar_username": "u", "fusionsolar_system_code": "c", "pvoutput_system_id": value},
        "s",
    )
    assert "pvoutput_system_id" in secret.missing(("pvoutput",))
    assert sink_keys_error(secret, ("pvoutput",)) is None
