"""Home Assistant: the site meters as JSON to a webhook trigger (homeassistant/packages/
fusioncharge.yaml turns them into sensors).

The webhook URL is the only credential (whoever knows it can post readings), so it lives in the
secret and is masked wherever it could show. The body names its units: kW, kWh, and the
battery's state of charge in %.

Home Assistant answers 200 to every POST, also for an unknown id, so a 200 means sent, not
received. But a registered webhook that allows POST only (the package's) answers 405 to a GET,
and an unknown id 200: so after the POST, a GET confirms the package is loaded under this id.
It is asked on the first push after the webhook URL changes and then once a day; until it
answers 405, "ok" is never said: the sink fails with `hass_webhook_unknown`, naming what to check.
"""

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import HassRejected, HassUnavailable, HassWebhookUnknown
from fusioncharge.masking import MASK
from fusioncharge.sinks import OK, Memory, SecretKey, SinkContext, SinkKind
from fusioncharge.sinks.http import Reply, one_line, post

ERROR_MAX_CHARS = 300  # the package's error sensor shows it: keep it short
CONFIRM_EVERY_SECONDS = 24 * 3600.0  # the webhook is confirmed again at least daily
REGISTERED = 405  # what a registered POST-only webhook answers to a GET
UNKNOWN_ID = (
    "Home Assistant answered, but no webhook of the package is registered under the id at the "
    "end of hass_webhook_url, so nothing it is sent shows. Check: homeassistant/packages/"
    "fusioncharge.yaml is in your configuration's packages folder; configuration.yaml has "
    "'homeassistant: packages: !include_dir_named packages'; fusioncharge_webhook_id in "
    "secrets.yaml is the id that ends hass_webhook_url; Home Assistant was restarted since; and "
    "the address reaches that Home Assistant from the internet (Nabu Casa or your own HTTPS)"
)

# siteMeters name -> the body's name (its unit in the name, as the package reads it)
_FIELDS = {
    "production_kw": "production_kw",
    "consumption_kw": "consumption_kw",
    "net_import_kw": "net_import_kw",
    "battery_discharge_kw": "battery_discharge_kw",
    "imported_kwh": "imported_kwh",
    "exported_kwh": "exported_kwh",
    "battery_energy_kwh": "battery_energy_kwh",
    # today's energies, from Huawei's daily counters (accounting/energy.py)
    "production_today_kwh": "production_today_kwh",
    "battery_charged_today_kwh": "battery_charged_today_kwh",
    "battery_discharged_today_kwh": "battery_discharged_today_kwh",
}


def hass_body(meters: SiteMeters, sent_ms: int) -> dict[str, Any]:
    """The known values only; `tsms` is when they were read (else sent), for the staleness
    check in Home Assistant."""
    known = {**meters.as_dict(), **meters.energy.as_dict()}
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
        self.confirm(deadline, memory)
        return OK

    def tell(self, message: str, deadline: Deadline, memory: Memory) -> bool:
        error = one_line(message, ERROR_MAX_CHARS) or "no readings"
        self._post({"error": error, "tsms": int(self.clock.now() * 1000)}, deadline)
        self.confirm(deadline, memory)
        return True

    def confirm(self, deadline: Deadline, memory: Memory) -> None:
        """Make sure the package's webhook exists under this id: a GET when the URL is new to
        the memory or its last confirmation is a day old; raise HassWebhookUnknown if not."""
        now, which = self.clock.now(), _fingerprint(self._url)
        at = memory.get("confirmed_at")
        fresh = isinstance(at, int | float) and 0 <= now - at < CONFIRM_EVERY_SECONDS
        if fresh and memory.get("webhook") == which:
            return
        memory.pop("confirmed_at", None)
        reply = self._send(b"", {}, deadline, "GET")
        if reply.status == REGISTERED:
            # Whole seconds, rounded down: a time rounded up reads as from the future (not fresh)
            memory.update(confirmed_at=math.floor(now), webhook=which)
            return
        if 200 <= reply.status < 300:
            raise HassWebhookUnknown(UNKNOWN_ID)
        self._refused(reply)

    def _post(self, body: dict[str, Any], deadline: Deadline) -> None:
        self.sent = None
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
        reply = self._send(data, {"Content-Type": "application/json"}, deadline, "POST")
        if 200 <= reply.status < 300:
            self.sent = body  # the URL is the secret: the body holds none
            return
        self._refused(reply)

    def _send(self, data: bytes, headers: dict[str, str], deadline: Deadline, method: str) -> Reply:
        return post(
            self._url,
            data,
            headers,
            deadline=deadline,
            timeout=self.timeout,
            secrets=[self._url, self._url.rstrip("/").rsplit("/", 1)[-1]],
            unavailable=HassUnavailable,
            what="Home Assistant",
            retry=True,
            method=method,
        )

    def _refused(self, reply: Reply) -> None:
        said = f"HTTP {reply.status}: {reply.excerpt}" if reply.excerpt else f"HTTP {reply.status}"
        if reply.status >= 500:
            raise HassUnavailable(
                f"Home Assistant is unavailable ({said}); the next run pushes again"
            )
        raise HassRejected(
            f"Home Assistant refused the push ({said}); check hass_webhook_url in the secret "
            "(the whole webhook address, reachable from the internet)"
        )


def _fingerprint(url: str) -> str:
    """Which webhook URL was confirmed, kept in the state without the URL (a secret)."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]


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
    about=(
        "its charger integrations follow it; it must be reachable from the internet "
        "(Nabu Casa or your own HTTPS)"
    ),
)
