"""The device list is a cache, not a gate: over a day of 5-minute runs, a refused, failed or
empty getDevList keeps the last good list for the readings and is asked again at most hourly,
so the list calls stay within Huawei's daily cap (about 25) whatever it answers."""

import pytest

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from fusioncharge.clock import Deadline
from fusioncharge.errors import BridgeError, CallTooSoon
from fusioncharge.fusionsolar import FusionSolarClient
from fusioncharge.state import InMemoryStateStore
from tests.integration.fusionsolar.runs import RIGHT, TYPES, scenario

DAILY_CAP = 25
FAULTS = {
    "refused (daily cap)": ("fail_code", 20618),
    "quota 429": ("http_429", None),
    "server error": ("http_500", None),
    "empty list": ("data_empty", None),
    "odd reply": ("html", None),
}


def a_day(
    kind: str, code: int | None, *, first_ok: bool, readings: list[dict] | None = None
) -> tuple[int, int]:
    """288 runs; every getDevList after the first (or every one) answers the fault, and the
    readings answer `readings` faults. Returns (runs that read, getDevList calls)."""
    start = 2 if first_ok else 1
    faults = [
        {"interface": "getDevList", "kind": kind, "fail_code": code, "nth": n}
        for n in range(start, 700)
    ] + (readings or [])
    clock = FakeClock(1_700_049_600.0)
    store = InMemoryStateStore(clock=clock)
    read = 0
    with FusionSolarEmulator(scenario(faults=faults), clock=clock, timeout_hold=1.0) as emu:
        for _ in range(288):
            deadline = Deadline.after(clock, 55)
            client = FusionSolarClient.on_store(
                emu.base_url,
                RIGHT,
                store,
                clock=clock,
                deadline=deadline,
                timeouts=(2.0, 5.0),  # no held replies here: room for a loaded machine
            )
            try:
                client.readings(client.plant("Home"), TYPES)
                read += 1
            except CallTooSoon:
                pass
            except BridgeError:
                pass
            finally:
                client.checkpoint.save(client.state)
            clock.set(clock.now() // 300 * 300 + 300)
        return read, emu.count("getDevList")


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_bad_device_list_keeps_the_last_good_one_and_the_daily_cap(fault):
    kind, code = FAULTS[fault]
    read, calls = a_day(kind, code, first_ok=True)
    assert calls <= DAILY_CAP, f"{calls} getDevList calls in a day"
    assert read >= 288 - 12, f"only {read} runs read with the cached list"


@pytest.mark.parametrize("fault", ["refused (daily cap)", "empty list"])
def test_without_any_good_list_the_calls_still_keep_the_daily_cap(fault):
    kind, code = FAULTS[fault]
    _, calls = a_day(kind, code, first_ok=False)
    assert calls <= DAILY_CAP, f"{calls} getDevList calls in a day"


@pytest.mark.parametrize("stale", [20006, 20008])
@pytest.mark.parametrize("fault", ["empty list", "refused (daily cap)", "quota 429"])
def test_devices_said_changed_with_no_list_to_be_had_ask_every_two_hours_at_most(stale, fault):
    """The readings say the devices changed (20006/20008), every run, and the list that would
    refresh them comes back empty or refused: asked again two hours later, as the message
    says, not at every run (it was 61 of 72 runs, most answered 407)."""
    kind, code = FAULTS[fault]
    changed = [
        {"interface": "getDevRealKpi", "kind": "fail_code", "fail_code": stale, "nth": n}
        for n in range(4, 2000)
    ]
    _, calls = a_day(kind, code, first_ok=True, readings=changed)
    assert calls <= 1 + 24 // 2, f"{calls} getDevList calls in a day"
