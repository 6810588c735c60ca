"""A stand-in for a Home Assistant webhook on loopback, for `make run` and the fault matrix.

It answers as Home Assistant's webhook component does (2025.4, `async_handle_webhook`): 200 to
GET, HEAD, POST and PUT under an unknown id; under the registered id (the package's, POST only)
200 to a POST or HEAD and 405 to a GET or PUT; 405 to methods its route lacks (DELETE). It
records each JSON body that reached the registered id. `registered=False` plays a Home
Assistant without the package loaded (no `packages:` line, a wrong id in secrets.yaml).
tests/homeassistant/ holds it and the real one in agreement.

    rcv = HassWebhook(webhook_id="fusioncharge-test")
    with rcv:
        rcv.url          # "http://127.0.0.1:<port>/api/webhook/<id>"
        rcv.received     # JSON bodies that reached the right id
        rcv.fault_next("http_500")
"""

import json
import threading
from collections import deque
from typing import Any

from emulator.faults import TRANSPORT_FAULTS
from emulator.faults import fault_reply as transport_fault_reply
from emulator.httpserve import LoopbackServer, Reply, Request, Served


class HassWebhook(Served):
    def __init__(
        self,
        webhook_id: str = "fusioncharge-demo",
        *,
        timeout_hold: float = 30.0,
        registered: bool = True,
    ) -> None:
        self.webhook_id = webhook_id
        self.registered = registered
        self.probes = 0  # requests other than POST to the registered id's address
        self.received: list[dict[str, Any]] = []
        self.requests = 0
        self._next: deque[str] = deque()
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle, timeout_hold=timeout_hold)

    @property
    def url(self) -> str:
        return f"{self._server.base_url}/api/webhook/{self.webhook_id}"

    def fault_next(self, kind: str) -> None:
        if kind not in TRANSPORT_FAULTS:
            raise ValueError(
                f"unknown hass fault kind {kind!r}; use one of {sorted(TRANSPORT_FAULTS)}"
            )
        with self._lock:
            self._next.append(kind)

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests += 1
            fault = self._next.popleft() if self._next else None
        if fault is not None:
            return transport_fault_reply(fault)
        known = self.registered and request.path == f"/api/webhook/{self.webhook_id}"
        routed = request.method in ("GET", "HEAD", "POST", "PUT")  # Home Assistant's route
        if not routed or (known and request.method not in ("POST", "HEAD")):
            with self._lock:
                self.probes += 1
            return Reply(405, b"405: Method Not Allowed", (("Allow", "POST"),))
        body = request.json()
        if known and isinstance(body, dict):
            with self._lock:
                self.received.append(body)
        return Reply(200, json.dumps({}).encode(), (("Content-Type", "application/json"),))
