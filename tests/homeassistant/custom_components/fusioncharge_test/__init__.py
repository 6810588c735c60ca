"""Test-only Home Assistant integration: compile the recorder's 5-minute statistics of a given
period now, and answer once they are written. The recorder compiles by wall clock every 5
minutes; a test must not wait for that (tests/homeassistant/test_energy_dashboard.py)."""

import asyncio
from typing import Any

import voluptuous as vol
from homeassistant.components import websocket_api
from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.tasks import StatisticsTask, SynchronizeTask
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

DOMAIN = "fusioncharge_test"


async def async_setup(hass: HomeAssistant, config: dict[str, Any]) -> bool:
    websocket_api.async_register_command(hass, compile_statistics)
    return True


@websocket_api.websocket_command(
    {vol.Required("type"): "fusioncharge_test/compile_statistics", vol.Required("start"): str}
)
@websocket_api.require_admin
@websocket_api.async_response
async def compile_statistics(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
) -> None:
    """The period starting at `start` (a 5-minute boundary, ISO 8601, UTC), as the recorder's
    own periodic run compiles it, answered once the statistics are committed.

    The recorder runs its queue in one thread, in order: a task commits the states recorded
    before it, then runs. So the compile sees every state that changed before this command,
    and the SynchronizeTask queued after it fires only once the compile is written. (The
    recorder's `async_block_till_done` is not enough: it returns at once when the queue is
    empty, which it already is while its thread runs the compile it just took off it.)"""
    start = dt_util.parse_datetime(msg["start"])
    if start is None:
        connection.send_error(msg["id"], "invalid_start", "start is not an ISO 8601 time")
        return
    instance = get_instance(hass)
    instance.queue_task(StatisticsTask(dt_util.as_utc(start), False))
    written = asyncio.Event()
    instance.queue_task(SynchronizeTask(written))
    await written.wait()
    connection.send_result(msg["id"])
