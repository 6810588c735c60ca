"""The emulated plant data routes: plant lists, device lists and real-time readings, with
getDevRealKpi's quota (one call per device type per rolling 5 minutes, 100 ids a call) and the
daily caps of the list calls."""

import math
from collections import Counter
from typing import Any

from emulator.fusionsolar import daycurve, devicedata
from emulator.fusionsolar.accounts import Accounts
from emulator.fusionsolar.devicetypes import INVERTER_TYPES
from emulator.fusionsolar.limits import DailyCap, SlidingWindow, per_hundred
from emulator.fusionsolar.replies import (
    Answer,
    envelope,
    fail,
    is_int,
    must_relogin,
    ok,
    split_ids,
    too_frequent,
)
from emulator.httpserve import Request, json_reply

PAGE_SIZE = MAX_IDS = 100


class PlantData(Accounts):
    """The data routes (a mixin of the emulator, which sets these attributes up)."""

    scenario: dict[str, Any]
    _stations: list[dict[str, Any]]
    _devices: list[dict[str, Any]]
    _device_by_id: dict[int, dict[str, Any]]
    _plant_codes: set[str]
    _type_counts: Counter[int]
    _kpi_limit: int
    _plant_count: int
    _kpi_calls: SlidingWindow
    _kpi_calls_by_type: dict[int, SlidingWindow]
    _station_kpi_calls: SlidingWindow
    _daily: dict[str, DailyCap]
    _lists_without: list[int]

    def index_plants_and_devices(self) -> None:
        """Take the scenario's plants and devices as they are now (a test may change them)."""
        self._stations = self.scenario["stations"]
        self._devices = self.scenario["devices"]
        self._device_by_id = {int(d["id"]): d for d in self._devices if is_int(d.get("id"))}
        codes = [s.get("plantCode") for s in self._stations]
        codes += [d.get("stationCode") for d in self._devices]
        self._plant_codes = {str(c) for c in codes if c}
        type_counts = Counter(
            int(d["devTypeId"]) for d in self._devices if is_int(d.get("devTypeId"))
        )
        self._type_counts = type_counts
        self._kpi_limit = max(
            1, sum(per_hundred(n) for t, n in type_counts.items() if t in devicedata.KPI_TYPES)
        )
        self._plant_count = len(self._stations)

    def _stations_page(self, request: Request, body: dict[str, Any], now: float) -> Answer:
        if not self._token_valid(request, now):
            return must_relogin()
        cap = self._daily["stations"]
        if not cap.allows(now, per_hundred(self._plant_count) * 10 + 24):
            return too_frequent()
        cap.add(now)
        page = body.get("pageNo", 1)
        if not is_int(page) or int(page) < 1:
            return fail(20004, now, body, message="pageNo must be a page number from 1")
        page = int(page)
        total = len(self._stations)
        data = {
            "list": self._stations[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "pageCount": math.ceil(total / PAGE_SIZE),
            "pageNo": page,
            "pageSize": PAGE_SIZE,
            "total": total,
        }
        # As captured: this interface has no params and a message.
        ok = {"data": data, "failCode": 0, "message": "get plant list success", "success": True}
        return Answer(json_reply(ok))

    def _station_list(self, request: Request, body: dict[str, Any], now: float) -> Answer:
        if not self._token_valid(request, now):
            return must_relogin()
        return fail(401, now, body)  # end-of-life for accounts made after mid-2022

    def _plant_codes_asked(self, body: dict[str, Any], now: float) -> list[str] | Answer:
        codes = split_ids(body.get("stationCodes"))
        if not codes:
            return fail(20010, now, body)
        if len(codes) > MAX_IDS:
            return fail(20014, now, body)
        if any(c not in self._plant_codes for c in codes):
            return fail(20007, now, body)
        return codes

    def _dev_list(self, request: Request, body: dict[str, Any], now: float) -> Answer:
        if not self._token_valid(request, now):
            return must_relogin()
        cap = self._daily["getDevList"]
        if not cap.allows(now, per_hundred(self._plant_count) + 24):
            return too_frequent()
        cap.add(now)
        codes = self._plant_codes_asked(body, now)
        if isinstance(codes, Answer):
            return codes
        devices = [d for d in self._devices if d.get("stationCode") in codes]
        if self._lists_without:
            left_out = self._lists_without.pop(0)
            devices = [d for d in devices if d.get("devTypeId") != left_out]
        return ok(devices, now, body)

    def _station_real_kpi(self, request: Request, body: dict[str, Any], now: float) -> Answer:
        if not self._token_valid(request, now):
            return must_relogin()
        if not self._station_kpi_calls.allows(now, max(1, per_hundred(self._plant_count))):
            return too_frequent()
        self._station_kpi_calls.add(now)
        codes = self._plant_codes_asked(body, now)
        if isinstance(codes, Answer):
            return codes
        data = [
            {
                "stationCode": c,
                "dataItemMap": devicedata.station_item_map(self._plant_state(c, now)),
            }
            for c in codes
        ]
        return ok(data, now, body)

    def _dev_real_kpi(self, request: Request, body: dict[str, Any], now: float) -> Answer:
        if not self._token_valid(request, now):
            return must_relogin()
        type_id: Any = body.get("devTypeId")
        same_type = self._kpi_calls_by_type[int(type_id)] if is_int(type_id) else None
        if not self._kpi_calls.allows(now, self._kpi_limit):
            return too_frequent()
        per_type = max(1, per_hundred(self._type_counts.get(int(type_id), 0))) if same_type else 1
        if same_type is not None and not same_type.allows(now, per_type):
            return too_frequent()  # the same type again within 5 minutes (100 devices a call)
        self._kpi_calls.add(now)
        if same_type is not None:
            same_type.add(now)
        if not is_int(type_id):
            return fail(20013, now, body)
        ids = split_ids(body.get("devIds"))
        if not ids:
            return fail(20005, now, body)
        if len(ids) > MAX_IDS:
            return fail(20016, now, body)
        if any(not is_int(i) or int(i) not in self._device_by_id for i in ids):
            return fail(20008, now, body)
        devices = [self._device_by_id[int(i)] for i in ids]
        if any(int(d["devTypeId"]) != int(type_id) for d in devices):
            return fail(20006, now, body)
        data = [{"devId": d["id"], "dataItemMap": self._item_map(d, now)} for d in devices]
        return ok(data, now, body)

    def _sentinel(self, now: float, body: dict[str, Any]) -> Answer:
        """The asked devices' readings with active_power at the meters' overflow sentinel."""
        ids = [int(i) for i in split_ids(body.get("devIds")) if is_int(i)]
        devices = [self._device_by_id[i] for i in ids if i in self._device_by_id]
        data = [
            {
                "devId": d["id"],
                "dataItemMap": {
                    **self._item_map(d, now),
                    "active_power": devicedata.OVERFLOW_SENTINEL_W,
                },
            }
            for d in devices
        ]
        return Answer(json_reply(envelope(data, now, body)), "fault:overflow_sentinel")

    def _item_map(self, device: dict[str, Any], now: float) -> Any:
        type_id = int(device["devTypeId"])
        for item in self.scenario["kpis"].get(str(type_id), []):
            if isinstance(item, dict) and str(item.get("devId")) == str(device["id"]):
                return item.get("dataItemMap", {})  # the scenario's reading, as given
        plant = device.get("stationCode")
        same = sum(
            1
            for d in self._devices
            if d.get("stationCode") == plant and str(d.get("devTypeId")) == str(type_id)
        )
        state = self._plant_state(plant, now)
        items = devicedata.data_item_map(type_id, state, 1 / max(1, same))
        night = self.scenario["inverters_unknown_at_night"] and not state.producing
        if type_id in INVERTER_TYPES and night:  # disconnected until the sun is back
            return dict.fromkeys(items, "N/A")
        return items

    def _plant_state(self, plant_code: Any, now: float) -> daycurve.PlantState:
        capacity = next(
            (s.get("capacity") for s in self._stations if s.get("plantCode") == plant_code), None
        )
        has_battery = any(
            d.get("stationCode") == plant_code and str(d.get("devTypeId")) == "39"
            for d in self._devices
        )
        params = daycurve.PlantParams(
            capacity_kwp=float(capacity)
            if isinstance(capacity, int | float) and capacity
            else 10.0,
            has_battery=has_battery,
            utc_offset_hours=self.scenario["utc_offset_hours"],
        )
        return daycurve.plant_state(now, params)
