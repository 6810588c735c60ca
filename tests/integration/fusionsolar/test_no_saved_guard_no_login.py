""" "No saved guard, no login" cannot be skipped: the client takes its checkpoint as a required
argument, so `make discover` and `make status` (which once built the client without the
save-before-login hook) save the guard before their login too, and do not log in without it."""

import pytest

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from fusioncharge.errors import StateError
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.state import InMemoryStateStore, State
from tests.integration.fusionsolar.runs import RIGHT, scenario


class UnsavableStore(InMemoryStateStore):
    def save(self, state: State) -> None:
        raise StateError("the parameter cannot be written (test)")


def test_the_client_cannot_be_built_without_a_checkpoint():
    with pytest.raises(TypeError, match="checkpoint"):
        FusionSolarClient("https://eu5.example.invalid", Credentials("u", "p"), State())  # type: ignore[call-arg]


def test_make_discover_does_not_log_in_when_the_guard_cannot_be_saved(capsys):
    from tools.local.discover import discover

    clock = FakeClock()
    with FusionSolarEmulator(scenario(), clock=clock, timeout_hold=1.0) as emu:
        with pytest.raises(StateError):
            discover(emu.base_url, RIGHT, UnsavableStore(clock=clock), clock)
        assert emu.count("login") == 0
