"""`make discover`: the account's plants and devices with one current reading each, to pick STATION.

With LIVE=1 it asks the real FusionSolar (FUSIONSOLAR_BASE_URL, FUSIONSOLAR_USERNAME,
FUSIONSOLAR_SYSTEM_CODE; token and pacing kept in .local/, mode 600, shared with `make run LIVE=1`);
otherwise the built-in emulator (SCENARIO=file.json to choose its plant). It spends, per device
type, the one getDevRealKpi call Huawei allows every 5 minutes.
"""

import logging
import os
import sys

from fusioncharge.clock import Clock, Deadline, SystemClock
from fusioncharge.errors import BridgeError
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.settings import DEFAULT_FUSIONSOLAR_BASE_URL
from fusioncharge.state import FileStateStore, InMemoryStateStore, StateStore
from tools.run_local import LOCAL_STATE

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
    state = store.load()
    client = FusionSolarClient(
        base_url, credentials, state, clock=clock, deadline=Deadline.after(clock, 120)
    )
    try:
        for plant in client.list_plants():
            print(f"plant {plant.name!r}  code {plant.code}   (STATION={plant.code} or the name)")
            devices = client.devices(plant)
            for device in devices:
                print(f"  device {device.id}  type {device.type_id}  {device.name}")
            types = sorted({d.type_id for d in devices})
            try:
                readings = client.readings(plant, types)
            except BridgeError as exc:
                print(f"  (no readings now: {exc})")
                continue
            for reading in readings:
                shown = {
                    k: reading.values.get(k, "unknown")
                    for k in _INTERESTING
                    if k in reading.values or k in reading.unknown
                }
                print(f"  reading {reading.device_id} type {reading.type_id}: {shown}")
    finally:
        store.save(state)


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    try:
        if os.environ.get("LIVE", "").strip().lower() in {"1", "true", "yes"}:
            credentials = Credentials(
                os.environ.get("FUSIONSOLAR_USERNAME", ""),
                os.environ.get("FUSIONSOLAR_SYSTEM_CODE", ""),
            )
            if not credentials.username or not credentials.system_code:
                print("set FUSIONSOLAR_USERNAME and FUSIONSOLAR_SYSTEM_CODE", file=sys.stderr)
                return 2
            base = os.environ.get("FUSIONSOLAR_BASE_URL") or DEFAULT_FUSIONSOLAR_BASE_URL
            discover(base, credentials, FileStateStore(LOCAL_STATE), SystemClock())
            return 0
        from emulator.clock import FakeClock
        from emulator.fusionsolar import FusionSolarEmulator
        from emulator.scenario import load_scenario

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
