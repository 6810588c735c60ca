"""The receivers' promises against a scripted stand-in on loopback (each reply written out):
a reply is quoted only masked, and a webhook's id is a secret in any part of a reply; each
receiver converts units and signs itself; PVOutput's status is dated by the reading, its day's
energy from the counters (unknown when they are), its hourly limit kept; what each refusal
tells the user to check."""

from collections import deque
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from emulator.clock import FakeClock
from emulator.httpserve import LoopbackServer, Reply, Request
from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Deadline
from fusioncharge.errors import (
    ChargeHqGone,
    ChargeHqRejected,
    ChargeHqUnavailable,
    HassRejected,
    HassUnavailable,
    HassWebhookUnknown,
    PvOutputDateRefused,
    PvOutputRateLimited,
    PvOutputRejected,
    PvOutputUnavailable,
)
from fusioncharge.settings.secret import parse_secret
from fusioncharge.sinks import OK, WAITING, registry
from fusioncharge.sinks.chargehq import ChargeHqSink
from fusioncharge.sinks.hass import HassSink
from fusioncharge.sinks.pvoutput import PvOutputSink
from tests.support import logbook_sink
from tools.status.proof import clock_text
from tools.status.receivers import check_sinks

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PV_KEY = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"
NOW = datetime(2026, 6, 15, 10, 14, 30, tzinfo=UTC).timestamp()  # 12:14:30 in Amsterdam


class Scripted:
    """A loopback receiver answering each request with the next scripted reply."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Request] = []
        self.server = LoopbackServer(self._handle)

    def _handle(self, request: Request) -> Reply:
        self.requests.append(request)
        return self.replies.popleft() if self.replies else Reply(200, b"OK 200: Added Status")

    def answer(self, status: int, body: str, **headers: str) -> None:
        pairs = tuple((name.replace("_", "-"), value) for name, value in headers.items())
        self.replies.append(Reply(status, body.encode(), pairs))

    @property
    def url(self) -> str:
        return self.server.base_url + "/service/r2/addstatus.jsp"

    def form(self, n: int = -1) -> dict[str, str]:
        body = self.requests[n].body.decode()
        return dict(pair.split("=", 1) for pair in body.split("&"))


@pytest.fixture
def stand_in():
    scripted = Scripted()
    with scripted.server:
        yield scripted


def _pvoutput(stand_in: Scripted, clock: FakeClock) -> PvOutputSink:
    return PvOutputSink(PV_KEY, "12345", AMSTERDAM, clock, url=stand_in.url, timeout=5.0)


def _deadline(clock: FakeClock) -> Deadline:
    return Deadline(clock, clock.now() + 20.0)


# --- PVOutput ----------------------------------------------------------------------------------
def test_pvoutputs_status_is_dated_by_the_reading_not_the_run(stand_in):
    clock = FakeClock(NOW)
    read_at = datetime(2026, 6, 15, 9, 58, 10, tzinfo=UTC).timestamp()  # 11:58:10 local
    meters = SiteMeters(
        production_kw=3.2104,
        consumption_kw=0.75,
        production_today_kwh=12.3456,
        tsms=int(read_at * 1000),
    )
    memory: dict = {"day": "20260615", "gen_wh": 9.0, "use_wh": 1.0, "p": 1, "c": 2, "at": 3}
    assert _pvoutput(stand_in, clock).push(meters, _deadline(clock), memory) == OK
    assert stand_in.form() == {
        "d": "20260615",
        "t": "11:55",
        "v1": "12346",
        "v2": "3210",
        "v4": "750",
    }
    # the old day's tally is dropped; the slot and its zone kept
    assert memory == {"slot": "20260615 11:55", "zone": "Europe/Amsterdam"}
    headers = stand_in.requests[-1].headers
    assert headers["X-Pvoutput-Apikey"] == PV_KEY
    assert headers["X-Pvoutput-SystemId"] == "12345"
    assert headers["X-Rate-Limit"] == "1"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_without_a_reading_time_the_status_is_dated_now_and_sent_is_the_form(stand_in):
    clock = FakeClock(NOW)
    sink = _pvoutput(stand_in, clock)
    assert sink.push(SiteMeters(production_kw=-0.02), _deadline(clock), {}) == OK
    assert stand_in.form() == {"d": "20260615", "t": "12:10", "v2": "0"}  # no v1: unknown
    assert sink.sent == {"d": "20260615", "t": "12:10", "v2": "0"}


def test_pvoutputs_last_request_of_the_hour_holds_statuses_until_its_reset(stand_in):
    clock = FakeClock(NOW)
    sink, memory = _pvoutput(stand_in, clock), {}
    stand_in.answer(
        200,
        "OK 200: Added Status",
        X_Rate_Limit_Remaining=" 0 ",
        X_Rate_Limit_Reset=str(int(NOW) + 1200),
    )
    assert sink.push(SiteMeters(production_kw=1.0), _deadline(clock), memory) == OK
    assert memory["wait_until"] == int(NOW) + 1200
    clock.set(NOW + 1199)
    assert sink.push(SiteMeters(production_kw=1.0), _deadline(clock), memory) == WAITING
    assert sink.sent is None and len(stand_in.requests) == 1
    clock.set(NOW + 1200)
    assert sink.push(SiteMeters(production_kw=1.0), _deadline(clock), memory) == OK
    assert "wait_until" not in memory and len(stand_in.requests) == 2


@pytest.mark.parametrize(
    ("reset", "waits"),
    [
        ("", 3600),
        ("soon", 3600),
        ("0", 3600),
        ("+3660", 3660),
        ("+3661", 3600),
        ("+60", 60),
        ("+0", 3600),
    ],
)
def test_the_limits_reset_is_believed_only_within_the_next_hour(stand_in, reset, waits):
    clock = FakeClock(NOW)
    memory: dict = {}
    value = str(int(NOW) + int(reset)) if reset.startswith("+") else reset
    stand_in.answer(403, "Forbidden 403: Exceeded 60 requests per hour", X_Rate_Limit_Reset=value)
    with pytest.raises(PvOutputRateLimited) as limited:
        _pvoutput(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), memory)
    assert memory["wait_until"] == int(NOW) + waits
    assert "Exceeded 60 requests per hour" in str(limited.value)


@pytest.mark.parametrize(
    ("status", "said", "error", "check"),
    [
        (401, "Unauthorized 401: Invalid System ID", PvOutputRejected, "pvoutput_api_key"),
        (403, "Forbidden 403: Read only key", PvOutputRejected, "API is enabled"),
        (400, "Bad request 400: Invalid power value [-5]", PvOutputRejected, "names the field"),
        (503, "Service Unavailable", PvOutputUnavailable, "the next run sends again"),
        (500, "Internal Server Error", PvOutputUnavailable, "the next run sends again"),
        (300, "Multiple Choices", PvOutputRejected, "names the field"),
    ],
)
def test_each_refusal_says_what_to_check_and_quotes_the_reply(stand_in, status, said, error, check):
    clock = FakeClock(NOW)
    stand_in.answer(status, said)
    sink = _pvoutput(stand_in, clock)
    with pytest.raises(error) as refused:
        sink.push(SiteMeters(production_kw=1.0), _deadline(clock), {})
    assert said in str(refused.value) and check in str(refused.value)
    assert sink.sent is None and len(stand_in.requests) == 1  # never retried


def test_a_refused_date_names_the_slot_and_the_time_zone(stand_in):
    clock = FakeClock(NOW)
    stand_in.answer(400, "Bad request 400: Date is in the future [20260615]")
    with pytest.raises(PvOutputDateRefused) as refused:
        _pvoutput(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), {})
    assert "dated 2026-06-15 12:10 as in the future" in str(refused.value)
    assert "local time in Europe/Amsterdam" in str(refused.value)


def test_pvoutputs_reply_is_quoted_only_masked(stand_in):
    clock = FakeClock(NOW)
    stand_in.answer(400, f"Bad request 400: key {PV_KEY} not valid for system 12345")
    with pytest.raises(PvOutputRejected) as refused:
        _pvoutput(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), {})
    assert PV_KEY not in str(refused.value) and "key *** not valid" in str(refused.value)


# --- Home Assistant ----------------------------------------------------------------------------
HOOK_ID = "fc-7Qp2xZrLm9Wv4Ks8"
DAY = 24 * 3600


def _hass(stand_in: Scripted, clock: FakeClock, url: str | None = None) -> HassSink:
    return HassSink(url or f"{stand_in.server.base_url}/api/webhook/{HOOK_ID}", clock, timeout=5.0)


def test_home_assistant_is_ok_once_a_get_confirms_the_webhook_then_again_after_a_day(stand_in):
    clock, memory = FakeClock(NOW), {}
    sink = _hass(stand_in, clock)
    stand_in.answer(200, "")
    stand_in.answer(405, "Method Not Allowed")
    assert sink.push(SiteMeters(production_kw=1.0), _deadline(clock), memory) == OK
    assert [r.method for r in stand_in.requests] == ["POST", "GET"]
    assert memory["confirmed_at"] == round(NOW) and len(memory["webhook"]) == 12
    assert HOOK_ID not in str(memory)
    clock.set(NOW + DAY - 1)  # within the day: no GET
    assert sink.push(SiteMeters(production_kw=1.0), _deadline(clock), memory) == OK
    assert [r.method for r in stand_in.requests][2:] == ["POST"]
    clock.set(NOW + DAY)  # a day on: confirmed again
    stand_in.answer(200, "")
    stand_in.answer(405, "")
    assert sink.push(SiteMeters(production_kw=1.0), _deadline(clock), memory) == OK
    assert [r.method for r in stand_in.requests][3:] == ["POST", "GET"]
    assert memory["confirmed_at"] == round(NOW + DAY)


def test_a_new_webhook_url_or_a_confirmation_from_the_future_is_confirmed_again(stand_in):
    clock = FakeClock(NOW)
    memory = {"confirmed_at": NOW - 60, "webhook": "0" * 12}
    stand_in.answer(200, "")
    stand_in.answer(405, "")
    _hass(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), memory)
    assert [r.method for r in stand_in.requests] == ["POST", "GET"]
    which = memory["webhook"]
    memory["confirmed_at"] = NOW + 60  # a clock that went back: not fresh
    stand_in.answer(200, "")
    stand_in.answer(405, "")
    _hass(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), memory)
    assert [r.method for r in stand_in.requests][2:] == ["POST", "GET"]
    assert memory == {"confirmed_at": round(NOW), "webhook": which}


def test_an_unknown_webhook_id_is_never_ok_and_forgets_the_confirmation(stand_in):
    clock = FakeClock(NOW)
    memory = {"confirmed_at": NOW - DAY - 1, "webhook": "x"}
    stand_in.answer(200, "")
    stand_in.answer(200, "")  # an unknown id answers 200 to a GET too
    with pytest.raises(HassWebhookUnknown) as unknown:
        _hass(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), memory)
    assert "fusioncharge_webhook_id" in str(unknown.value)
    assert "confirmed_at" not in memory


def test_home_assistant_is_told_the_error_on_one_short_line(stand_in):
    clock = FakeClock(NOW)
    stand_in.answer(200, "")
    stand_in.answer(405, "")
    sink, memory = _hass(stand_in, clock), {}
    assert sink.tell("FusionSolar\n  refused " + "x" * 400, _deadline(clock), memory) is True
    body = stand_in.requests[0].json()
    assert body["tsms"] == int(NOW * 1000) and len(body["error"]) == 300
    assert body["error"].startswith("FusionSolar refused xxx") and body["error"].endswith("…")
    assert sink.tell("", _deadline(clock), memory) and stand_in.requests[2].json()["error"] == (
        "no readings"
    )


@pytest.mark.parametrize(
    ("echo", "status", "error"),
    [
        ("webhook {id} not found", 404, HassRejected),
        ("bad gateway for /api/webhook/{id}", 502, HassUnavailable),
        ("{url} refused", 403, HassRejected),
        ("id={lower} unknown", 400, HassRejected),
    ],
)
def test_a_webhooks_id_is_masked_in_any_part_of_a_reply(stand_in, echo, status, error):
    clock = FakeClock(NOW)
    sink = _hass(stand_in, clock)
    url = f"{stand_in.server.base_url}/api/webhook/{HOOK_ID}"
    said = echo.format(id=HOOK_ID, url=url, lower=HOOK_ID.lower())
    for _ in range(2):  # a 5xx is retried once
        stand_in.answer(status, said)
    with pytest.raises(error) as refused:
        sink.push(SiteMeters(production_kw=1.0), _deadline(clock), {})
    told = str(refused.value)
    assert HOOK_ID.lower() not in told.lower() and f"HTTP {status}: " in told
    assert sink.sent is None
    if status < 500:
        assert "check hass_webhook_url" in told and len(stand_in.requests) == 1
    else:  # a 5xx is tried once more, and only once
        assert "the next run pushes again" in told and len(stand_in.requests) == 2


def test_a_webhook_url_ending_in_a_slash_still_keeps_the_id_secret(stand_in):
    """The id is the secret whether or not the pasted address ends in "/": a reply quoting
    only the id's first 7 characters (a head start on guessing it) shows them masked."""
    clock = FakeClock(NOW)
    sink = _hass(stand_in, clock, f"{stand_in.server.base_url}/api/webhook/{HOOK_ID}/")
    stand_in.answer(404, "no webhook fc-7Qp2… here")
    with pytest.raises(HassRejected) as refused:
        sink.push(SiteMeters(production_kw=1.0), _deadline(clock), {})
    assert "fc-7Qp2" not in str(refused.value) and "HTTP 404: no webhook *** here" in str(
        refused.value
    )


def test_without_a_reading_time_home_assistant_gets_the_sending_time_in_whole_ms(stand_in):
    """The package reads `tsms` as milliseconds (as_datetime(tsms / 1000)) for its 15-minute
    staleness check; the run sends whole ones. The confirmation is kept in whole seconds (the
    state is small) and never later than it was made: a tell in the same second asks no GET."""
    clock, memory = FakeClock(NOW + 0.6789), {}  # 2026-06-15 10:14:30.6789 UTC
    sink = _hass(stand_in, clock)
    stand_in.answer(200, "")
    stand_in.answer(405, "")
    assert sink.push(SiteMeters(production_kw=1.0), _deadline(clock), memory) == OK
    pushed = stand_in.requests[0].json()["tsms"]
    assert pushed == 1_781_518_470_678 and isinstance(pushed, int)
    assert memory["confirmed_at"] == 1_781_518_470 and isinstance(memory["confirmed_at"], int)
    assert sink.tell("FusionSolar refused", _deadline(clock), memory) is True
    assert [r.method for r in stand_in.requests] == ["POST", "GET", "POST"]
    told = stand_in.requests[2].json()["tsms"]
    assert told == 1_781_518_470_678 and isinstance(told, int)


@pytest.mark.parametrize("which", ["POST", "GET"])
def test_a_300_is_not_received_and_says_check_the_url(stand_in, which):
    """Only a 2xx is taken (redirects are never followed): a 300 to the push or to the probe is
    a refusal naming hass_webhook_url, never "sent" nor an unknown id; nothing is confirmed."""
    clock, memory = FakeClock(NOW), {}
    if which == "GET":
        stand_in.answer(200, "")
    stand_in.answer(300, "Multiple Choices")
    with pytest.raises(HassRejected) as refused:
        _hass(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), memory)
    assert "HTTP 300: Multiple Choices" in str(refused.value)
    assert "check hass_webhook_url" in str(refused.value)
    assert [r.method for r in stand_in.requests][-1] == which and memory == {}


@pytest.mark.parametrize(
    ("status", "error", "says"),
    [
        (500, HassUnavailable, "the next run pushes again"),
        (403, HassRejected, "check hass_webhook_url"),
    ],
)
def test_a_probe_that_is_refused_is_never_ok(stand_in, status, error, says):
    """The POST's 200 proves nothing: when the GET that confirms the webhook is answered with
    an error, the push fails. A 500 is Home Assistant unavailable (tried once more, then the
    next run), a 4xx a refusal naming what to check."""
    clock, memory = FakeClock(NOW), {}
    stand_in.answer(200, "")
    stand_in.answer(status, "nope")
    stand_in.answer(status, "nope")
    with pytest.raises(error) as refused:
        _hass(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), memory)
    assert f"HTTP {status}: nope" in str(refused.value) and says in str(refused.value)
    assert [r.method for r in stand_in.requests] == ["POST"] + ["GET"] * (1 + (status >= 500))
    assert memory == {}


# --- ChargeHQ ----------------------------------------------------------------------------------
CHQ_KEY = "0b7c2e4e-1111-4000-8000-00000000abcd"
NOT_FOUND = '{"error":"Not Found"}'


def _chargehq(stand_in: Scripted, clock: FakeClock) -> ChargeHqSink:
    return ChargeHqSink(
        f"{stand_in.server.base_url}/api/public/push-solar-data",
        CHQ_KEY,
        clock,
        timeout=5.0,
        own=True,
    )


def _push(sink: ChargeHqSink, clock: FakeClock, memory: dict) -> str:
    return sink.push(SiteMeters(production_kw=1.0), _deadline(clock), memory)


def test_chargehq_is_gone_only_after_a_whole_day_of_404(stand_in):
    clock, memory = FakeClock(NOW), {}
    sink = _chargehq(stand_in, clock)
    for at in (NOW, NOW + 3600, NOW + DAY - 1):
        clock.set(at)
        stand_in.answer(404, NOT_FOUND)
        with pytest.raises(ChargeHqRejected):
            _push(sink, clock, memory)
    assert memory == {"gone_since": NOW}
    clock.set(NOW + DAY)
    stand_in.answer(410, "Gone")
    with pytest.raises(ChargeHqGone) as gone:
        _push(sink, clock, memory)
    assert "no longer answers: no such address, or 404/410, since 2026-06-15 10:14 UTC" in str(
        gone.value
    )
    stand_in.answer(404, NOT_FOUND)
    with pytest.raises(ChargeHqGone) as again:  # the next run says it shorter
        _push(sink, clock, memory)
    assert "still does not answer (since 2026-06-15 10:14 UTC)" in str(again.value)
    assert memory == {"gone_since": NOW, "told": True}


def test_any_other_answer_restarts_the_day(stand_in):
    clock, memory = FakeClock(NOW), {"gone_since": NOW - DAY + 60}
    sink = _chargehq(stand_in, clock)
    stand_in.answer(200, "{}")
    assert _push(sink, clock, memory) == OK and memory == {}
    memory["gone_since"] = NOW - DAY + 60
    stand_in.answer(401, "Unauthorized")
    with pytest.raises(ChargeHqRejected):
        _push(sink, clock, memory)
    assert memory == {}
    memory["gone_since"] = NOW - DAY + 60
    stand_in.answer(503, "down")
    stand_in.answer(503, "down")
    with pytest.raises(ChargeHqUnavailable):
        _push(sink, clock, memory)
    assert memory == {}


def test_a_404_while_telling_an_error_counts_and_a_5xx_then_keeps_the_count(stand_in):
    clock, memory = FakeClock(NOW), {"gone_since": NOW - DAY}
    sink = _chargehq(stand_in, clock)
    stand_in.answer(503, "down")
    stand_in.answer(503, "down")
    with pytest.raises(ChargeHqUnavailable):
        sink.tell("no readings", _deadline(clock), memory)
    assert memory == {"gone_since": NOW - DAY}
    stand_in.answer(404, NOT_FOUND)
    with pytest.raises(ChargeHqGone):
        sink.tell("no readings", _deadline(clock), memory)


def test_a_start_of_the_count_in_the_future_starts_it_now(stand_in):
    clock, memory = FakeClock(NOW), {"gone_since": NOW + DAY}
    stand_in.answer(404, NOT_FOUND)
    with pytest.raises(ChargeHqRejected):
        _push(_chargehq(stand_in, clock), clock, memory)
    assert memory == {"gone_since": NOW}


def test_a_404_from_an_address_not_chargehqs_own_never_counts(stand_in):
    clock, memory = FakeClock(NOW), {"gone_since": NOW - 2 * DAY}
    sink = ChargeHqSink(f"{stand_in.server.base_url}/push", CHQ_KEY, clock, timeout=5.0)
    stand_in.answer(404, NOT_FOUND)
    with pytest.raises(ChargeHqRejected):
        _push(sink, clock, memory)
    assert memory == {}


@pytest.mark.parametrize(
    ("status", "check"),
    [
        (401, "check chargehq_api_key"),
        (403, "Push API is the site's solar source"),
        (429, "keep the schedule at 1 minute or slower"),
        (404, "check CHARGEHQ_PUSH_URL"),
        (410, "check CHARGEHQ_PUSH_URL"),
        (300, "check CHARGEHQ_PUSH_URL"),  # 2xx only is success
        (301, "check CHARGEHQ_PUSH_URL"),
        (399, "check CHARGEHQ_PUSH_URL"),
        (400, "see the log at DEBUG"),
        (418, "see the log at DEBUG"),
    ],
)
def test_chargehqs_refusal_says_what_to_check_and_quotes_the_reply_masked(stand_in, status, check):
    clock = FakeClock(NOW)
    stand_in.answer(status, f'{{"error":"bad key {CHQ_KEY.upper()}"}}')
    sink = _chargehq(stand_in, clock)
    with pytest.raises(ChargeHqRejected) as refused:
        _push(sink, clock, {})
    told = str(refused.value)
    assert check in told and f"HTTP {status}: " in told and "bad key ***" in told
    assert CHQ_KEY.lower() not in told.lower() and refused.value.status == status
    assert sink.sent is None and len(stand_in.requests) == 1


def test_chargehq_gets_the_body_and_sent_is_it_masked(stand_in):
    clock = FakeClock(NOW)
    sink = _chargehq(stand_in, clock)
    assert _push(sink, clock, {"gone_since": NOW}) == OK
    request = stand_in.requests[0]
    assert request.json() == {"apiKey": CHQ_KEY, "siteMeters": {"production_kw": 1.0}}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert sink.sent == {"apiKey": "***", "siteMeters": {"production_kw": 1.0}}
    assert CHQ_KEY not in repr(sink) and CHQ_KEY not in repr(sink.client(_deadline(clock)))


def test_chargehqs_sink_waits_10_s_for_an_answer_so_a_retry_fits_in_12_s_left(stand_in):
    clock = FakeClock(NOW)
    url = f"{stand_in.server.base_url}/api/public/push-solar-data"
    sink = ChargeHqSink(url, CHQ_KEY, clock, own=True)  # its own timeout: 10 s
    stand_in.answer(503, "down")
    stand_in.answer(200, "{}")
    assert sink.push(SiteMeters(production_kw=1.0), Deadline(clock, NOW + 12.0), {}) == OK
    assert len(stand_in.requests) == 2  # a second whole 10 s attempt still fitted


# --- the funnel --------------------------------------------------------------------------------
def test_a_redirect_is_never_followed_with_the_key(stand_in):
    clock = FakeClock(NOW)
    stand_in.answer(302, "", Location=f"{stand_in.server.base_url}/elsewhere")
    with pytest.raises(ChargeHqRejected) as refused:
        _push(_chargehq(stand_in, clock), clock, {})
    assert "HTTP 302" in str(refused.value) and "check CHARGEHQ_PUSH_URL" in str(refused.value)
    assert [r.path for r in stand_in.requests] == ["/api/public/push-solar-data"]


def test_no_time_left_sends_nothing(stand_in):
    clock = FakeClock(NOW)
    with pytest.raises(PvOutputUnavailable, match="no time left in this run to push to PVOutput"):
        _pvoutput(stand_in, clock).push(SiteMeters(production_kw=1.0), Deadline(clock, NOW), {})
    assert stand_in.requests == []


def test_only_the_start_of_a_long_reply_is_quoted(stand_in):
    clock = FakeClock(NOW)
    stand_in.answer(400, "Bad request 400: " + "y" * 10_000)
    with pytest.raises(PvOutputRejected) as refused:
        _pvoutput(stand_in, clock).push(SiteMeters(production_kw=1.0), _deadline(clock), {})
    assert "Bad request 400: " + "y" * 182 + "…" in str(refused.value)
    assert "y" * 183 not in str(refused.value)


# --- make status: each receiver's keys tried with the latest reading ---------------------------
AT = 1_781_520_000.1234  # the latest reading's time: 2026-06-15 10:40:00.1234 UTC


def _secret(**keys: str):
    return parse_secret({"fusionsolar_username": "u", "fusionsolar_system_code": "c", **keys}, "s")


def test_without_a_recent_reading_make_status_says_so_and_sends_nothing(stand_in):
    parameters = {"Sinks": "chargehq", "ChargeHqPushUrl": stand_in.url}
    found = check_sinks(_secret(chargehq_api_key=CHQ_KEY), ("chargehq",), None, parameters)
    assert found == [
        ("ChargeHQ", None, "no recent reading to send again: the next run that reads will tell")
    ]
    assert stand_in.requests == []


def test_make_status_sends_the_latest_reading_again_to_the_stacks_push_url(stand_in):
    url = f"{stand_in.server.base_url}/relay/push"  # the stack's ChargeHqPushUrl, no stand-in
    reading = (AT, {"production_kw": 1.5})
    parameters = {"Sinks": "chargehq", "ChargeHqPushUrl": url}
    found = check_sinks(_secret(chargehq_api_key=CHQ_KEY), ("chargehq",), reading, parameters)
    assert found == [
        ("ChargeHQ", True, f"its keys work now (it took the reading of {clock_text(AT)} again)")
    ]
    [request] = stand_in.requests
    assert request.path == "/relay/push"
    assert request.json() == {
        "apiKey": CHQ_KEY,
        "siteMeters": {"production_kw": 1.5},
        "tsms": 1_781_520_000_123,
    }


def test_make_status_names_a_refusal_with_its_code(stand_in):
    stand_in.answer(401, "Unauthorized")
    reading = (AT, {"production_kw": 1.5})
    parameters = {"Sinks": "chargehq", "ChargeHqPushUrl": stand_in.url}
    [found] = check_sinks(_secret(chargehq_api_key=CHQ_KEY), ("chargehq",), reading, parameters)
    assert found[:2] == ("ChargeHQ", False)
    assert found[2].startswith(
        "chargehq_rejected: ChargeHQ refused the push (HTTP 401: Unauthorized); "
        "check chargehq_api_key"
    )


def test_make_status_says_home_assistants_webhook_is_confirmed(stand_in):
    stand_in.answer(200, "")
    stand_in.answer(405, "Method Not Allowed")  # the package's webhook: POST only
    hook = f"{stand_in.server.base_url}/api/webhook/{HOOK_ID}"
    reading = (AT, {"production_kw": 1.5})
    found = check_sinks(_secret(hass_webhook_url=hook), ("hass",), reading, {"Sinks": "hass"})
    assert found == [
        (
            "Home Assistant",
            True,
            "its webhook is confirmed (Home Assistant answered as the package's webhook does) "
            f"and it took the reading of {clock_text(AT)} again",
        )
    ]
    assert stand_in.requests[0].json()["tsms"] == 1_781_520_000_123


def test_make_status_gives_a_sink_the_readings_time_in_whole_milliseconds(stand_in, monkeypatch):
    """As the run does (SiteMeters.tsms): a new sink that sends it as it is sends an integer."""
    monkeypatch.setattr(registry, "SINKS", (*registry.SINKS, logbook_sink.KIND))
    reading = (AT, {"production_kw": 1.5})
    secret = _secret(logbook_url=stand_in.url)
    assert check_sinks(secret, ("logbook",), reading, {"Sinks": "logbook"})[0][:2] == (
        "Logbook",
        True,
    )
    sent = stand_in.requests[0].json()["tsms"]
    assert sent == 1_781_520_000_123 and isinstance(sent, int)
