"""A state that loads but cannot be saved is salvaged: no run fails forever on its own state.

Causes seen: a plant name from FusionSolar holding a lone surrogate (not encodable as UTF-8)
and a plant name of 3.9 KB (with the devices, over SSM's 4 KB). Each run once failed with
internal_error or state, logging in and looking the plant up every run until the quota was
gone; now the name is escaped, or dropped with the caches, and the guard kept."""

import json

import pytest

from fusioncharge.models import Device
from fusioncharge.state import State
from fusioncharge.state.salvage import fitted
from tools.local.site import Site, worked_example_scenario

NAMES = {
    "lone surrogate": "Home \udcff",
    "3.9 KB name": "Home " + "x" * 3900,
}


@pytest.mark.parametrize("cause", list(NAMES))
def test_a_plant_name_that_cannot_be_kept_does_not_fail_the_runs(cause):
    scenario = worked_example_scenario()
    scenario["stations"][0]["plantName"] = NAMES[cause]
    with Site(scenario, settings={"STATION": "NE=35436844"}) as site:
        runs = [site.run(), site.next_run(), site.next_run()]
        assert [r.error for r in runs] == [None, None, None]
        assert all(len(r.pushes) == 1 for r in runs)
        assert site.emulator.count("login") == 1  # the token was kept
        assert site.emulator.count("stations") == 1  # the plant not looked up every run
        assert json.loads(site.state_text() or "{}")["plant_code"] == "NE=35436844"


def test_salvage_keeps_the_guard_token_and_reading_times():
    state = State(
        token="x-token",
        token_issued_at=1.0,
        login_tries=[2.0],
        locked_until=3.0,
        rejected_credentials="salt$hash",
        last_fetch={"38": 4.0},
        plant_code="NE=1",
        plant_name="n" * 5000,
        devices=[Device(i, "", 38, "NE=1", i) for i in range(300)],
    )
    kept, dropped = fitted(state, 4096)
    assert len(kept.to_json().encode()) <= 4096
    assert dropped[0] == "plant names"
    assert (kept.token, kept.login_tries, kept.locked_until) == ("x-token", [2.0], 3.0)
    assert kept.rejected_credentials == "salt$hash" and kept.last_fetch == {"38": 4.0}
    assert state.plant_name == "n" * 5000  # the run's own state is left as it is
