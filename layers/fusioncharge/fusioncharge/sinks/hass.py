"""Home Assistant: the site meters as JSON to a webhook trigger (homeassistant/packages/
fusioncharge.yaml turns them into sensors).

The webhook URL is the only credential (whoever knows it can post readings), so it lives in the
secret and is masked wherever it could show. Home Assistant answers 200 to every webhook call,
also for an unknown id: "ok" here means sent; only the package's "last received" sensor shows
receipt. The body names its units: kW, kWh, and the battery's state of charge in %.
"""

import json
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import HassRejected, HassUnavailable
from fusioncharge.masking import MASK
from fusioncharge.sinks import OK, Memory, SecretKey, SinkContext, SinkKind
from fusioncharge.sinks.http import one_line, post

ERROR_MAX_CHARS = 300  # the package's error sensor shows it: keep it short

# siteMeters name -> the body's name (its unit in the name, as the package reads it)
_FIELDS = {
    "production_kw": "production_kw",
    "consumption_kw": "consumption_kw",
    "net_import_kw": "net_import_kw",
    "battery_discharge_kw": "battery_discharge_kw",
    "imported_kwh": "imported_kwh",
    "exported_kwh": "exported_kwh",
    "battery_energy_kwh": "battery_energy_kwh",
}


def hass_body(meters: SiteMeters, sent_ms: int) -> dict[str, Any]:
    """The known values only; `tsms` is when they were read (else sent), for the staleness
    check in Home Assistant."""
    known = meters.as_dict()
    body: dict[str, Any] = {
        out: float(known[name]) for name, out in _FIELDS.items() if name in known
    }
    soc = meters.battery_soc
    if soc is not None:
        body["battery_soc_pct"] = round(soc * 100, 1)  # Home Assistant's battery class is in %
    if not all(math.isfinite(v) for v in body.values()):
        raise ValueError("site meters must be finite numbers")
    body["tsms"] = int(meters.tsms) if meters.tsms is not None else sent_ms
    return body


class HassSink:
    name = "hass"
    charging = True  # Home Assistant's charger integrations follow these values

    def __init__(self, webhook_url: str, clock: Clock, *, timeout: float = 10.0) -> None:
        self._url = webhook_url
        self.clock = clock
        self.timeout = timeout
        self.sent: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"HassSink(webhook={MASK})"

    def push(self, meters: SiteMeters, deadline: Deadline, memory: Memory) -> str:
        self._post(hass_body(meters, int(self.clock.now() * 1000)), deadline)
        return OK

    def tell(self, message: str, deadline: Deadline, memory: Memory) -> bool:
        error = one_line(message, ERROR_MAX_CHARS) or "no readings"
        self._post({"error": error, "tsms": int(self.clock.now() * 1000)}, deadline)
        return True

    def _post(self, body: dict[str, Any], deadline: Deadline) -> None:
        self.sent = None
        reply = post(
            self._url,
            json.dumps(body, separators=(",", ":"), allow_nan=False).encode(),
            {"Content-Type": "application/json"},
            deadline=deadline,
            timeout=self.timeout,
            secrets=[self._url, self._url.rstrip("/").rsplit("/", 1)[-1]],
            unavailable=HassUnavailable,
            what="Home Assistant",
            retry=True,
        )
        if 200 <= reply.status < 300:
            self.sent = body  # the URL is the secret: the body holds none
            return
        said = f"HTTP {reply.status}: {reply.excerpt}" if reply.excerpt else f"HTTP {reply.status}"
        if reply.status >= 500:
            raise HassUnavailable(
                f"Home Assistant is unavailable ({said}); the next run pushes again"
            )
        raise HassRejected(
            f"Home Assistant refused the push ({said}); check hass_webhook_url in the secret "
            "(the whole webhook address, reachable from the internet)"
        )


def webhook_url(value: Any) -> str:
    """hass_webhook_url's check: the whole https:// address (http only to this machine)."""
    must = (
        "must be the whole https:// address of your Home Assistant webhook, such as "
        "https://hooks.nabu.casa/<id> or https://<your-home>/api/webhook/<id> "
        "(README: Where the readings go)"
    )
    if not isinstance(value, str):
        raise ValueError(must)
    url = value.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise ValueError(must) from None
    if parts.username or parts.password or not host:
        raise ValueError(must)
    if parts.scheme == "http" and host in ("127.0.0.1", "localhost", "::1"):
        return url  # plain HTTP only to this machine (the tests' Home Assistant)
    if parts.scheme != "https":
        raise ValueError(must)
    return url


def _build(context: SinkContext, keys: Mapping[str, str]) -> HassSink:
    return HassSink(keys["hass_webhook_url"], context.clock, timeout=context.timeout)


KIND = SinkKind(
    name=HassSink.name,
    title="Home Assistant",
    keys=(SecretKey("hass_webhook_url", webhook_url),),
    charging=HassSink.charging,
    build=_build,
)
