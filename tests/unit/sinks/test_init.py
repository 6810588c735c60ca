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
from fusioncharge.clock import Deadline
from fusioncharge.errors import (
    ChargeHqError,
    ChargeHqRejected,
    ChargeHqUnavailable,
    HassUnavailable,
    PvOutputRejected,
)
from fusioncharge.settings.secret import parse_secret, sink_keys_error
from fusioncharge.sinks import FAILED, OK, deliver, share
from fusioncharge.sinks.chargehq import ChargeHqSink, looks_gone, own_service
from fusioncharge.sinks.hass import hass_body
from fusioncharge.sinks.pvoutput import already_sent, refused_date, status_form

SYDNEY = ZoneInfo("Australia/Sydney")


def _epoch(text: str, zone=SYDNEY) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


# --- PVOutput ----------------------------------------------------------------------------------
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_the_status_is_in_the_plants_local_date_and_5_minute_slot_in_watts():
    at = _epoch("2026-12-02 00:03:59")  # 2026-12-01 13:03:59 UTC
    meters = SiteMeters(production_kw=2.4, consumption_kw=0.8766, production_today_kwh=1.2344)
    form = status_form(meters, at, SYDNEY)
    assert form == {"d": "20261202", "t": "00:00", "v1": "1234", "v2": "2400", "v4": "877"}


def test_v1_is_todays_solar_from_the_counters_and_v3_is_never_made_up():
    meters = SiteMeters(production_kw=0.0, consumption_kw=0.5, production_today_kwh=33.38)
    assert status_form(meters, _epoch("2026-12-02 21:00"), SYDNEY)["v1"] == "33380"
    assert "v3" not in status_form(meters, _epoch("2026-12-02 21:00"), SYDNEY)


def test_unknown_values_are_left_out_never_zero():
    form = status_form(SiteMeters(production_kw=0.5), _epoch("2026-12-02 12:00"), SYDNEY)
    assert set(form) == {"d", "t", "v2"}
    negative = status_form(SiteMeters(production_kw=0.5, consumption_kw=-0.1), 0, UTC)
    assert "v4" not in negative  # a negative consumption is not a power consumed


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_the_fall_back_hour_never_sends_a_slot_twice():
    meters = SiteMeters(production_kw=0.0)
    first = status_form(meters, _utc("2026-10-25 00:05"), AMSTERDAM)  # 02:05 summer time
    again = status_form(meters, _utc("2026-10-25 01:05"), AMSTERDAM)  # 02:05 winter time
    assert (first["d"], first["t"]) == (again["d"], again["t"]) == ("20261025", "02:05")
    memory = {"slot": "20261025 02:55", "zone": "Europe/Amsterdam"}  # the first 02:55 sent
    assert already_sent(again, AMSTERDAM, memory)
    after = status_form(meters, _utc("2026-10-25 02:00"), AMSTERDAM)  # 03:00 winter time
    assert not already_sent(after, AMSTERDAM, memory)
    # A changed time zone starts afresh (its slots may lie behind the old zone's).
    assert not already_sent(again, SYDNEY, memory)


def test_the_spring_forward_gap_has_no_slot_and_the_clock_moves_on():
    meters = SiteMeters(production_kw=0.0)
    slots = [
        status_form(meters, _utc("2026-03-29 00:55") + n * 300, AMSTERDAM)["t"] for n in range(3)
    ]
    assert slots == ["01:55", "03:00", "03:05"]


@pytest.mark.parametrize(
    ("said", "why"),
    [
        ("Bad request 400: Date is in the future [20261025]", "in the future"),
        ("Bad request 400: Date [20261025] too new", "in the future"),
        ("Bad request 400: Invalid future date [20261025]", "in the future"),
        ("Bad request 400: Date is older than 14 days [20261001]", "too old"),
        ("Bad request 400: Date [20261001] too old", "too old"),
        ("Bad request 400: Invalid power value [v2]", None),
    ],
)
def test_pvoutputs_words_for_a_date_it_refuses(said, why):
    found = refused_date(said)
    assert (found and found.split(" (")[0]) == why


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


def test_each_receivers_key_has_the_environment_variable_make_run_live_reads():
    """`make run LIVE=1` reads the receivers' keys from these variables (interfaces, README)."""
    from fusioncharge.sinks import registry

    names = [key.env for kind in registry.SINKS for key in kind.keys]
    assert names == [
        "CHARGEHQ_API_KEY",
        "HASS_WEBHOOK_URL",
        "PVOUTPUT_API_KEY",
        "PVOUTPUT_SYSTEM_ID",
    ]


@pytest.mark.parametrize("value", ["abc123", " abc123", "abc123\n", "\tabc123  "])
def test_a_text_key_pasted_with_spaces_or_a_newline_is_the_key_itself(value):
    from fusioncharge.sinks import text_key

    assert text_key("the API key")(value) == "abc123"


def test_a_slice_for_no_sinks_left_is_the_whole_time_left_not_a_crash():
    clock = FakeClock(start=1000.0)
    deadline = Deadline(clock, 1060.0)
    assert share(deadline, clock, 0).at == 1060.0
    assert share(deadline, clock, 1).at == 1060.0
    assert share(deadline, clock, 3).at == 1020.0
