"""`make discover`: the account's plants and devices with one current reading each, to pick STATION.

With LIVE=1 it asks the real FusionSolar (FUSIONSOLAR_BASE_URL, FUSIONSOLAR_USERNAME,
FUSIONSOLAR_SYSTEM_CODE; token and pacing kept in .local/, mode 600, shared with `make run LIVE=1`);
otherwise the built-in emulator (SCENARIO=file.json to choose its plants). It spends, per device
type, the one getDevRealKpi call Huawei allows every 5 minutes, for all the plants together:
with LIVE=1 beside a stack deployed from here it warns first (tools/local/deployed_stack.py).
"""

import logging
import os
import sys
from typing import Any

from fusioncharge.clock import Clock, Deadline, SystemClock
from fusioncharge.errors import BridgeError
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.models import Reading
from fusioncharge.plant.sun import night
from fusioncharge.plant.zone import known_zone
from fusioncharge.settings.environment import DEFAULT_FUSIONSOLAR_BASE_URL
from fusioncharge.state import FileStateStore, InMemoryStateStore, StateStore
from tools.local import deployed_stack, live_inputs
from tools.local.run import LOCAL_STATE

MAX_PLANTS_SHOWN = 100
_INTERESTING = (
    "active_power",
    "inverter_state",
    "meter_status",
    "active_cap",
    "reverse_active_cap",
    "ch_discharge_power",
    "battery_soc",
    "battery_status",
)


def discover(base_url: str, credentials: Credentials, store: StateStore, clock: Clock) -> None:
    deadline = Deadline.after(clock, 120)
    # On the store: the guard is saved before any login.
    client = FusionSolarClient.on_store(
        base_url, credentials, store, clock=clock, deadline=deadline
    )
    try:
        plants = client.list_plants()
        shown = plants[:MAX_PLANTS_SHOWN]  # one getDevList takes 100 plants
        # Every plant's devices in one call and, per device type, one reading call for all of
        # them: Huawei allows one a type every 5 minutes, not one a plant.
        devices = client.devices(shown) if shown else []
        readings: dict[int, Reading] = {}
        try:
            types = sorted({d.type_id for d in devices})
            readings = {r.device_id: r for r in client.readings(shown, types)} if shown else {}
        except BridgeError as exc:
            print(f"(no readings now: {exc})")
        for plant in shown:
            print(f"plant {plant.name!r}  code {plant.code}   (STATION={plant.code} or the name)")
            zone = known_zone("", plant.grid_connection_date)
            place = (plant.latitude, plant.longitude)
            if (notice := night(clock.now(), zone, None, place).notice) is not None:
                print(f"  {notice}")  # before the deploy: its PlantLocation or PlantTimezone
            for device in (d for d in devices if d.plant_code == plant.code):
                print(f"  device {device.id}  type {device.type_id}  {device.name}")
            for device in (d for d in devices if d.plant_code == plant.code):
                if (reading := readings.get(device.id)) is not None:
                    print(f"  reading {device.id} type {device.type_id}: {_shown(reading)}")
        if len(plants) > len(shown):
            print(f"... and {len(plants) - len(shown)} more plants (devices not shown)")
        if len(plants) > 1:
            print(
                "Several plants of one home: STATION lists them comma-separated (names or codes) "
                "and they are summed into one site; METER_PLANTS says whose meters count when "
                "they share one grid connection (docs/reference.md, Settings)."
            )
    finally:
        client.checkpoint.save(client.state)  # merged with what a racing run saved meanwhile


def _shown(reading: Reading) -> dict[str, Any]:
    return {
        k: reading.values.get(k, "unknown")
        for k in _INTERESTING
        if k in reading.values or k in reading.unknown
    }


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    try:
        if os.environ.get("LIVE", "").strip().lower() in {"1", "true", "yes"}:
            live_inputs.prepare(["FUSIONSOLAR_USERNAME", "FUSIONSOLAR_SYSTEM_CODE"])
            credentials = Credentials(
                os.environ.get("FUSIONSOLAR_USERNAME", ""),
                os.environ.get("FUSIONSOLAR_SYSTEM_CODE", ""),
            )
            if not credentials.username or not credentials.system_code:
                print("set FUSIONSOLAR_USERNAME and FUSIONSOLAR_SYSTEM_CODE", file=sys.stderr)
                return 2
            base = os.environ.get("FUSIONSOLAR_BASE_URL") or DEFAULT_FUSIONSOLAR_BASE_URL
            deployed_stack.warn()  # before the login: a deployed stack may share the account
            store = deployed_stack.shared_store(FileStateStore(LOCAL_STATE))
            discover(base, credentials, store, SystemClock())
            return 0
        from emulator.clock import FakeClock
        from emulator.fusionsolar.scenario import load_scenario
        from emulator.fusionsolar.server import FusionSolarEmulator

        scenario = load_scenario(os.environ.get("SCENARIO") or None)
        clock = FakeClock(scenario["current_time_ms"] / 1000)
        with FusionSolarEmulator(scenario, clock=clock) as emu:
            user = scenario["credentials"]
            print(f"# emulator at {emu.base_url}")
            discover(
                emu.base_url,
                Credentials(user["username"], user["system_code"]),
                InMemoryStateStore(),
                clock,
            )
        return 0
    except BridgeError as exc:
        print(f"failed: {exc.code}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
