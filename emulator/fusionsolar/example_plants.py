"""The emulated plants scenarios start from: the default account's two homes, and the contract's
worked example.

With no stations and devices, a scenario is the default account: the plant "Home" (a dongle, a
residential inverter, a power sensor and a battery) and "EMMA Home" (a newer home with an EMMA
energy manager). `worked_example_scenario()` is ChargeHQ's worked example as a whole scenario.
"""

from dataclasses import dataclass
from typing import Any

DEFAULT_PLANT_CODE = "NE=12345678"
EMMA_PLANT_CODE = "NE=23456789"  # the default's second plant: a home of 2026 with an EMMA


def default_station(code: str = DEFAULT_PLANT_CODE, name: str = "Home") -> dict[str, Any]:
    return {
        "plantCode": code,
        "plantName": name,
        "plantAddress": "1 Sunny Street, Springfield",
        "longitude": 8.222305,
        "latitude": 49.945273,
        "capacity": 10.0,
        "contactPerson": "",
        "contactMethod": "",
        "gridConnectionDate": "2023-01-01T10:00:00+00:00",
    }


@dataclass(frozen=True)
class _Home:
    """What a home's devices share: where it is, its first id and its firmware."""

    plant_code: str
    first_id: int
    latitude: float
    longitude: float
    software: str

    def device(
        self, n: int, name: str, type_id: int, esn: str | None, model: str | None
    ) -> dict[str, Any]:
        return {
            "devName": name,
            "devTypeId": type_id,
            "esnCode": esn,
            "id": self.first_id + n,
            "invType": model,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "optimizerNumber": 0 if type_id == 38 else None,
            "softwareVersion": self.software if esn else None,
            "stationCode": self.plant_code,
        }


def default_devices(plant_code: str = DEFAULT_PLANT_CODE) -> list[dict[str, Any]]:
    """A dongle, a residential inverter, a power sensor and a LUNA2000 battery."""
    home = _Home(plant_code, 1000000012345600, 49.945273, 8.222305, "V100R001C00SPC141")
    return [
        home.device(1, "Dongle-1", 62, "HV2240085917", None),
        home.device(2, "Inverter-1", 38, "HV2240468303", "SUN2000-10KTL-M1"),
        home.device(3, "Meter-1", 47, None, None),
        home.device(4, "Battery-1", 39, "HV2250112233", "LUNA2000-10-S0"),
    ]


def emma_home_devices(plant_code: str = EMMA_PLANT_CODE) -> list[dict[str, Any]]:
    """A newer home: hybrid inverter, EMMA energy manager (no power sensor), battery, SmartGuard."""
    home = _Home(plant_code, 1000000023456700, 40.416775, -3.70379, "V100R025C00SPC100")
    return [
        home.device(1, "Inverter-1", 38, "HV2440468311", "SUN2000-6KTL-L1"),
        home.device(2, "SA4H-BT2570669683", 23070, "BT2570669683", "EMMA-A02"),
        home.device(3, "Battery-1", 39, "HV2550112299", "LUNA2000-7-S1"),
        home.device(4, "Smart Guard", 23071, "HV2560001122", None),
    ]


def worked_example_scenario() -> dict[str, Any]:
    """The contract's worked example as emulator data: one inverter, power sensor and battery."""
    plant = "NE=35436844"

    def device(id_: int, type_id: int, name: str) -> dict[str, Any]:
        return {"id": id_, "devName": name, "devTypeId": type_id, "stationCode": plant}

    return {
        "stations": [{"plantCode": plant, "plantName": "Home", "capacity": 10}],
        "devices": [
            device(11, 38, "Inverter-1"),
            device(12, 47, "Meter-1"),
            device(13, 39, "Battery-1"),
            device(14, 62, "Dongle-1"),
        ],
        "kpis": {
            "38": [{"devId": 11, "dataItemMap": {"active_power": 2.4, "inverter_state": 512}}],
            "47": [
                {
                    "devId": 12,
                    "dataItemMap": {
                        "active_power": -800,
                        "meter_status": 1,
                        "active_cap": 322.32,
                        "reverse_active_cap": 583.08,
                    },
                }
            ],
            "39": [
                {
                    "devId": 13,
                    "dataItemMap": {
                        "ch_discharge_power": -1500,
                        "battery_soc": 62,
                        "battery_status": 2,
                    },
                }
            ],
        },
    }
