"""A sink that exists only for tests: what a new receiver's module looks like (docs/
contributing.md, "Add a sink"). It posts the site meters as JSON to the address in its one
secret key through the sinks' HTTP funnel; with its registry row, nothing else is edited."""

import json
from collections.abc import Mapping
from typing import Any

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import HassUnavailable
from fusioncharge.sinks import OK, Memory, SecretKey, SinkContext, SinkKind
from fusioncharge.sinks.http import post


def logbook_url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("http://127.0.0.1:"):
        raise ValueError("must be the logbook's http://127.0.0.1 address")
    return value


class LogbookSink:
    name = "logbook"
    charging = False

    def __init__(self, url: str, clock: Clock, timeout: float) -> None:
        self.url, self.clock, self.timeout = url, clock, timeout
        self.sent: dict[str, Any] | None = None

    def push(self, meters: SiteMeters, deadline: Deadline, memory: Memory) -> str:
        body = {"logbook": meters.as_dict(), "tsms": meters.tsms}
        reply = post(
            self.url,
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
            deadline=deadline,
            timeout=self.timeout,
            secrets=[self.url],
            unavailable=HassUnavailable,  # a real sink declares its own errors in errors.py
            what="the logbook",
            retry=False,
        )
        if reply.status != 200:
            raise HassUnavailable(f"the logbook answered HTTP {reply.status}")
        self.sent = body
        memory["pushes"] = int(memory.get("pushes", 0)) + 1
        return OK

    def tell(self, message: str, deadline: Deadline, memory: Memory) -> bool:
        return False


def _build(context: SinkContext, keys: Mapping[str, str]) -> LogbookSink:
    return LogbookSink(keys["logbook_url"], context.clock, context.timeout)


KIND = SinkKind(
    name=LogbookSink.name,
    title="Logbook",
    keys=(SecretKey("logbook_url", logbook_url),),
    charging=LogbookSink.charging,
    build=_build,
)
