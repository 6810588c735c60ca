"""Every login reply that is not a success counts as a refused login for the lockout guard.

Huawei changed its login reply once already (2025). Whatever shape a wrong password takes next,
the guard keeps the account safe: a user who edits the secret five times with a typo and
invokes the function after each edit (every 2 minutes) sends at most two logins in any 10
minutes. Only an explicit quota refusal and a request that never left are not counted.
"""

import pytest

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from fusioncharge.clock import Deadline
from fusioncharge.errors import BridgeError
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.fusionsolar.login_guard import WINDOW_SECONDS
from fusioncharge.state import InMemoryStateStore
from tests.integration.fusionsolar.runs import scenario

SHAPES = [
    ("empty_body", None),  # today's "wrong password"
    ("fail_code", 20400),
    ("fail_code", 20001),
    ("fail_code", 20002),
    ("fail_code", 20003),
    ("fail_code", 31337),  # a failCode nobody has seen yet
    ("html", None),  # HTML with HTTP 200
    ("http_500", None),  # HTML with HTTP 500
    ("success_false", None),  # success false and no failCode
    ("empty_object", None),  # {}
    ("http_401", None),
    ("http_403", None),
    ("timeout", None),  # no reply after the request went out
]
UNCOUNTED = [("http_429", None), ("gateway_quota", None), ("fail_code", 407)]


def five_edits(kind: str, code: int | None) -> tuple[list[float], list[int]]:
    """Five typo'd edits, a manual invoke 2 minutes after each: the login times the emulator
    saw, and the login tries the saved guard holds after each run."""
    clock = FakeClock()
    store = InMemoryStateStore(clock=clock)
    fault = {"interface": "login", "kind": kind, "fail_code": code, "nth": None}
    with FusionSolarEmulator(scenario(faults=[fault]), clock=clock, timeout_hold=2.0) as emu:
        counted = []
        for edit in range(5):
            deadline = Deadline.after(clock, 60)
            client = FusionSolarClient.on_store(
                emu.base_url,
                Credentials("demo", f"typo-{edit}"),
                store,
                clock=clock,
                deadline=deadline,
                timeouts=(1.0, 1.0),  # whole seconds, under the 2 s hold of a "timeout"
            )
            with pytest.raises(BridgeError):
                client.list_plants()
            client.checkpoint.save(client.state)
            counted.append(len(store.load().login_tries or ()))
            clock.set(clock.now() // 120 * 120 + 120)
        times = [c.time for c in emu.calls if c.interface == "login"]
    return times, counted


def most_in_a_window(times: list[float]) -> int:
    return max((sum(1 for t in times if s <= t < s + WINDOW_SECONDS) for s in times), default=0)


@pytest.mark.parametrize(("kind", "code"), SHAPES, ids=[f"{k}{c or ''}" for k, c in SHAPES])
def test_five_typo_edits_send_two_logins_in_ten_minutes_at_most(kind, code):
    times, counted = five_edits(kind, code)
    assert most_in_a_window(times) <= 2, f"{len(times)} logins: {times}"
    assert counted[0] == 1, "the refused login was not counted by the guard"


@pytest.mark.parametrize(("kind", "code"), UNCOUNTED, ids=[f"{k}{c or ''}" for k, c in UNCOUNTED])
def test_an_explicit_quota_refusal_is_not_a_wrong_password(kind, code):
    _, counted = five_edits(kind, code)
    assert counted[0] == 0
