"""`make status`'s sink lines written out: the Sinks parameter as the function reads it, the
last run's outcomes, when each receiver last received site meters (PVOutput waiting on its
hourly limit counts as received; a receiver quiet for 30 minutes of runs since the secret's
edit is named), and a passing failure after recent pushes is a blip."""

from tools.status.proof import clock_text
from tools.status.receivers import blip, configured, last_outcomes, received
from tools.status.run_lines import RunLine

T = 1_781_520_000.0  # 2026-06-15 10:40 UTC
MINUTE = 60.0


def _lines():
    got: list[tuple[str, str]] = []
    return got, lambda label, text: got.append((label, text))


def _pushed(at: float, **sinks: str) -> RunLine:
    return RunLine(at, "pushed", "pushed", sinks=dict(sinks) or None)


def test_the_sinks_parameter_as_the_function_reads_it():
    assert configured({"Sinks": "hass,pvoutput"}) == ("hass", "pvoutput")
    assert configured({}) == ("chargehq",)  # a stack from before there were sinks
    assert configured({"Sinks": "evcc"}) == ("chargehq",)  # refused: the default


def test_the_last_run_that_named_sinks_gives_each_outcome_with_its_code():
    got, add = _lines()
    runs = [
        RunLine(
            T,
            "failed",
            "x",
            sinks={"chargehq": "FAILED", "hass": "ok"},
            sink_errors={"chargehq": "chargehq_gone"},
        ),
        RunLine(T + MINUTE, "failed", "no readings"),  # names no sinks
    ]
    last_outcomes(add, runs)
    assert got == [("sinks", "chargehq=FAILED (chargehq_gone) hass=ok")]
    got, add = _lines()
    last_outcomes(add, [RunLine(T, "failed", "x")])
    assert got == []


def test_each_receiver_is_named_with_when_it_last_received():
    got, add = _lines()
    runs = [
        _pushed(T - 20 * MINUTE, hass="ok", pvoutput="ok"),
        _pushed(T - 10 * MINUTE, hass="FAILED", pvoutput="waiting"),
        RunLine(
            T - 5 * MINUTE,
            "failed",
            "x",
            sinks={"hass": "FAILED", "pvoutput": "FAILED"},
            sink_errors={"hass": "hass_unavailable"},
        ),
    ]
    silent = received(add, runs, ("hass", "pvoutput"), runs, T)
    assert got == [
        (
            "received",
            f"Home Assistant at {clock_text(T - 20 * MINUTE)}, webhook confirmed; "
            f"PVOutput at {clock_text(T - 10 * MINUTE)}",
        )
    ]
    assert silent == []  # the secret's edit is not 30 minutes old yet


def test_a_receiver_quiet_for_30_minutes_since_the_edit_is_named_with_its_last_code():
    got, add = _lines()
    runs = [
        _pushed(T - 40 * MINUTE, chargehq="ok", pvoutput="FAILED"),
        RunLine(T - 31 * MINUTE, "failed", "x", error_code="fusionsolar_unavailable"),
        _pushed(T - 30 * MINUTE, chargehq="ok", pvoutput="FAILED"),
    ]
    runs[0] = RunLine(
        runs[0].at, "pushed", "", sinks=runs[0].sinks, sink_errors={"pvoutput": "pvoutput_rejected"}
    )
    silent = received(add, runs, ("chargehq", "pvoutput"), runs, T)
    assert got == [
        (
            "received",
            f"ChargeHQ at {clock_text(T - 30 * MINUTE)}; "
            "PVOutput: nothing in the last day (pvoutput_rejected)",
        )
    ]
    assert silent == [("PVOutput", "pvoutput_rejected")]
    # a minute later ChargeHQ's last push is more than 30 minutes old too
    silent = received(lambda *_: None, runs, ("chargehq", "pvoutput"), runs, T + 1)
    assert silent == [("ChargeHQ", "fusionsolar_unavailable"), ("PVOutput", "pvoutput_rejected")]


def test_a_summary_from_before_the_sinks_counts_for_a_lone_sink_only():
    old = [_pushed(T - MINUTE)]
    got, add = _lines()
    received(add, old, ("chargehq",), old, T)
    assert got == [("received", f"ChargeHQ at {clock_text(T - MINUTE)}")]
    got, add = _lines()
    received(add, old, ("chargehq", "hass"), old, T)
    assert got == [
        ("received", "ChargeHQ: nothing in the last day; Home Assistant: nothing in the last day")
    ]


def test_a_failure_that_passes_by_itself_after_recent_pushes_is_a_blip():
    pushed = _pushed(T - 30 * MINUTE)
    failed = RunLine(T - MINUTE, "failed", "x", error_code="fusionsolar_unavailable")
    assert blip([pushed, failed], T) == f"{clock_text(T - MINUTE)} (fusionsolar_unavailable)"
    assert blip([pushed, failed], T + 1) is None  # the push is more than 30 minutes old
    wrong = RunLine(T - MINUTE, "failed", "x", error_code="credentials_rejected")
    assert blip([pushed, wrong], T) is None  # something to do: not a blip


def test_a_receiver_with_nothing_is_named_once_runs_since_the_edit_span_30_minutes():
    runs = [RunLine(T - 30 * MINUTE, "failed", "x", error_code="fusionsolar_unavailable")]
    quiet = received(lambda *_: None, runs, ("chargehq",), runs, T)
    assert quiet == [("ChargeHQ", "fusionsolar_unavailable")]  # exactly 30 minutes: named
    assert received(lambda *_: None, runs, ("chargehq",), runs, T - 1) == []  # not yet
    # no run since the edit: nothing tried, nobody named, however old the runs before it
    assert received(lambda *_: None, runs, ("chargehq",), [], T + 60 * MINUTE) == []


def test_the_code_shown_is_the_latest_runs():
    got, add = _lines()
    runs = [
        RunLine(
            T - 20 * MINUTE,
            "failed",
            "x",
            error_code="credentials_rejected",
            sinks={"pvoutput": "FAILED"},
            sink_errors={"pvoutput": "pvoutput_rejected"},
        ),
        RunLine(
            T - 10 * MINUTE,
            "failed",
            "x",
            error_code="fusionsolar_unavailable",
            sinks={"pvoutput": "FAILED"},
            sink_errors={"pvoutput": "pvoutput_unavailable"},
        ),
    ]
    received(add, runs, ("chargehq", "pvoutput"), runs, T)
    assert got == [
        (
            "received",
            "ChargeHQ: nothing in the last day (fusionsolar_unavailable); "
            "PVOutput: nothing in the last day (pvoutput_unavailable)",
        )
    ]


def test_a_receiver_is_quiet_by_its_latest_push_not_an_earlier_one():
    got, add = _lines()
    runs = [_pushed(T - m * MINUTE, chargehq="ok") for m in (50, 40, 5)]
    assert received(add, runs, ("chargehq",), runs, T) == []  # 5 minutes ago: not quiet
    assert got == [("received", f"ChargeHQ at {clock_text(T - 5 * MINUTE)}")]


def test_a_blip_is_the_latest_runs_failure_only():
    pushed = _pushed(T - 10 * MINUTE)
    wrong = RunLine(T - 5 * MINUTE, "failed", "x", error_code="credentials_rejected")
    passes = RunLine(T - MINUTE, "failed", "x", error_code="fusionsolar_unavailable")
    assert blip([pushed, wrong, passes], T) == f"{clock_text(T - MINUTE)} (fusionsolar_unavailable)"
    earlier = RunLine(T - 5 * MINUTE, "failed", "x", error_code="fusionsolar_unavailable")
    latest = RunLine(T - MINUTE, "failed", "x", error_code="credentials_rejected")
    assert blip([pushed, earlier, latest], T) is None  # the latest has something to do
