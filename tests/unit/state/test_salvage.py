"""Salvage's promise (state/salvage.py): a state too big for its store loses what is least
needed first, in the documented order (plant names, the clock estimate, the meter watch, the
energy counters, the device list, the plant lookup), each part whole, and only as much as it
takes; the guard, the token and the reading times stay."""

import copy

import pytest

from fusioncharge.models import CounterSample, Device, EnergyWatch, MeterWatch, PlantFacts
from fusioncharge.state import State
from fusioncharge.state.salvage import fitted, size

NOW = 1_800_000_000.0

# The documented order, written out here (not read from the module) with each part's fields.
ORDER = (
    ("plant names", ("plant_name",)),
    ("FusionSolar clock estimate", ("server_leads",)),
    ("meter watch", ("meter_watch",)),
    ("energy counters", ("energy_watch",)),
    (
        "device list",
        ("devices", "devices_fetched_at", "unserved_types", "missing_types", "devices_asked_at"),
    ),
    ("plant lookup", ("plant_code", "plant_for_station", "plant_checked_at", "plant_facts")),
)


def full() -> State:
    return State(
        token="x-token",
        token_issued_at=NOW - 60,
        login_tries=[NOW - 30],
        locked_until=NOW + 60,
        no_login_before=NOW + 120,
        rejected_credentials="salt$hash",
        last_fetch={"38": NOW - 300, "47": NOW - 300},
        kpi_pending=NOW + 10,
        plant_code="NE=1",
        plant_name="Home",
        plant_for_station="home",
        plant_checked_at=NOW - 900,
        server_leads=[1.5, 2.5],
        meter_watch=MeterWatch(47, 1_800_000_000_000, 1.5, 322.3, 583.1),
        energy_watch=EnergyWatch(inverter_day=CounterSample(4.2, 30_000_000)),
        devices=[Device(1, "", 38, "NE=1"), Device(47, "", 47, "NE=1")],
        devices_fetched_at=NOW - 3600,
        unserved_types=[39],
        missing_types=[23070],
        devices_asked_at=NOW - 7200,
        plant_facts=[PlantFacts(6.6, -33.87, 151.21, "2021-03-04")],
    )


def without(state: State, parts: int) -> State:
    smaller = copy.deepcopy(state)
    for _, fields in ORDER[:parts]:
        for name in fields:
            setattr(smaller, name, None)
    return smaller


@pytest.mark.parametrize("parts", range(len(ORDER) + 1))
def test_salvage_drops_the_least_needed_first_and_no_more_than_it_takes(parts):
    state = full()
    limit = size(without(state, parts))
    kept, dropped = fitted(state, limit)
    assert dropped == [what for what, _ in ORDER[:parts]]
    assert kept == without(state, parts)
    assert size(kept) <= limit


def test_what_salvage_never_drops_stays_even_when_the_state_cannot_fit():
    state = full()
    kept, dropped = fitted(state, 10)
    assert dropped == [what for what, _ in ORDER]
    assert (kept.token, kept.token_issued_at, kept.login_tries) == ("x-token", NOW - 60, [NOW - 30])
    assert (kept.locked_until, kept.no_login_before) == (NOW + 60, NOW + 120)
    assert (kept.rejected_credentials, kept.kpi_pending) == ("salt$hash", NOW + 10)
    assert kept.last_fetch == {"38": NOW - 300, "47": NOW - 300}
    assert state == full()  # the run's own state is left as it was
