"""The FusionSolar client over HTTP against the emulator: a few runs sharing one state, and
the fixtures the client's test files share (conftest.py registers them)."""

from collections.abc import Iterator

import pytest

from emulator.clock import FakeClock
from emulator.fusionsolar.server import FusionSolarEmulator
from fusioncharge.clock import Deadline
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.models import BATTERY, POWER_SENSOR, RESIDENTIAL_INVERTER, Reading
from fusioncharge.state import InMemoryStateStore, State

TYPES = (RESIDENTIAL_INVERTER, POWER_SENSOR, BATTERY)
PLANT_CODE = "NE=12345678"
RIGHT = Credentials("demo", "demo-Secret-9")
WRONG = Credentials("demo", "wrong-Secret-7")


class Runs:
    """Poller runs against one emulator, with the state kept between them as JSON."""

    def __init__(self, emu: FusionSolarEmulator, clock: FakeClock) -> None:
        self.emu, self.clock = emu, clock
        self.store = InMemoryStateStore()
        self.client: FusionSolarClient | None = None

    def new_client(
        self, credentials: Credentials = RIGHT, *, seconds: float = 60.0, **kw
    ) -> FusionSolarClient:
        kw.setdefault("timeouts", (2.0, 2.0))
        deadline = Deadline.after(self.clock, seconds)
        self.client = FusionSolarClient.on_store(
            self.emu.base_url,
            credentials,
            self.store,
            clock=self.clock,
            deadline=deadline,
            **kw,
        )
        return self.client

    def run(
        self,
        credentials: Credentials = RIGHT,
        station: str = "Home",
        types: tuple[int, ...] = TYPES,
        **kw,
    ) -> list[Reading]:
        client = self.new_client(credentials, **kw)
        try:
            return client.readings(client.plant(station), types)
        finally:
            self.store.save(client.state)

    @property
    def state(self) -> State:
        return self.store.load()


def scenario(**parts) -> dict:
    return {"credentials": {"username": RIGHT.username, "system_code": RIGHT.system_code}} | parts


# A "timeout" fault holds its request this long; the runs that expect one read for READ_TIMEOUT.
# Loopback answers at once, but a loaded CI machine can stall a reply for half a second.
HOLD_SECONDS, READ_TIMEOUT = 3.0, 2.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[FusionSolarEmulator]:
    with FusionSolarEmulator(scenario(), clock=clock, timeout_hold=HOLD_SECONDS) as emulator:
        yield emulator


@pytest.fixture
def runs(emu: FusionSolarEmulator, clock: FakeClock) -> Runs:
    return Runs(emu, clock)


def make_runs(clock: FakeClock, request: pytest.FixtureRequest, **parts) -> Runs:
    emulator = FusionSolarEmulator(scenario(**parts), clock=clock, timeout_hold=HOLD_SECONDS)
    emulator.start()
    request.addfinalizer(emulator.stop)
    return Runs(emulator, clock)
