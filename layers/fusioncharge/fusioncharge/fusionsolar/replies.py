"""FusionSolar's reply envelope: a body, an HTTP status or a failCode turned into a typed error.

No I/O here. A reply is untrusted: whatever came instead of a JSON object is named in the error,
with any secret it echoes masked.
"""

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fusioncharge.errors import (
    ApiAccessOff,
    FusionSolarError,
    FusionSolarUnavailable,
    QuotaExceeded,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar.parse import as_int
from fusioncharge.masking import mask

EXCERPT_CHARS = 200
# A login reply is never quoted: it is the one reply that can carry the system code.
NOT_QUOTED = "its reply is not shown (a login reply may echo the system code)"
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
RELOGIN_CODES = frozenset({305, 306, 307})
# 20006/20013: a device changed type; 20008: a device no longer exists.
STALE_DEVICE_CODES = frozenset({20006, 20008, 20013})
SERVER_TROUBLE_CODES = frozenset({20004, 20200, 20614})  # abnormal, busy, network
QUOTA_CODES = frozenset({407, 20618})
API_ACCESS_OFF = 20056
GATEWAY_QUOTA = "49401021002"  # the API gateway's errorCode for its quota (any HTTP status)


def excerpt(raw: bytes, secrets: Iterable[str] = ()) -> str:
    """A short, printable, single-line view of a reply body for error messages.

    HTML tags are dropped (error pages say more in their text), and any secret that a
    misbehaving server might echo back is masked (masking.mask, in any form it may take).
    """
    text = raw.decode("utf-8", errors="replace")  # whole body: a cut could split a secret
    secrets = [s for s in secrets if s]
    text = mask(text, secrets)
    text = _TAG.sub(" ", text)
    text = "".join(c if c.isprintable() else " " for c in text)
    text = mask(_SPACE.sub(" ", text).strip(), secrets)
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1] + "…"
    return text or "(empty body)"


def _quoted(interface: str, raw: bytes, secrets: Iterable[str]) -> str:
    return NOT_QUOTED if interface == "login" else excerpt(raw, secrets)


def decode_envelope(
    interface: str, status: int, raw: bytes, secrets: Iterable[str] = ()
) -> dict[str, Any]:
    """Parse a reply body as a JSON object or raise the error that says what came instead."""
    if not raw.strip():
        raise FusionSolarUnavailable(
            f"FusionSolar {interface} answered HTTP {status} with an empty body; "
            "the service is having trouble, the next run tries again"
        )
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        kind = "an HTML page" if raw.lstrip()[:1] == b"<" else "a body that is not JSON"
        raise FusionSolarUnavailable(
            f"FusionSolar {interface} answered HTTP {status} with {kind} "
            f"(truncated or an error page): {_quoted(interface, raw, secrets)}; the next run "
            "tries again"
        ) from None
    if not isinstance(body, dict):
        raise UnexpectedResponse(
            f"FusionSolar {interface} answered with JSON that is not an object: "
            f"{_quoted(interface, raw, secrets)}"
        )
    return body


def status_error(
    interface: str, status: int, raw: bytes, secrets: Iterable[str] = ()
) -> FusionSolarError | None:
    """The error an HTTP status other than 200 means, or None for 200."""
    if status == 200:
        return None
    where = f"FusionSolar {interface} answered HTTP {status}: {_quoted(interface, raw, secrets)}"
    if status in (403, 429) or _gateway_quota(raw):
        return QuotaExceeded(
            f"{where}. API quota: not retried, the next scheduled run is the retry"
        )
    if status >= 500:
        return FusionSolarUnavailable(f"{where}; the next run tries again")
    if status == 404:  # a browser's host (region01eu5..., uni001eu5...) has no /thirdData
        return UnexpectedResponse(
            f"{where}. This host does not serve the Northbound API: use your region's host, "
            "e.g. https://eu5.fusionsolar.huawei.com (intl, sg5, la5, au5, jp5, ...), not the "
            "one your browser shows after logging in"
        )
    return UnexpectedResponse(
        f"{where}. Check FUSIONSOLAR_BASE_URL is your region's portal, "
        "e.g. https://eu5.fusionsolar.huawei.com"
    )


def _gateway_quota(raw: bytes) -> bool:
    """The gateway's quota body, {"errorCode": "49401021002", ...}: as 407, no retry."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return isinstance(body, dict) and str(body.get("errorCode")) == GATEWAY_QUOTA


def fail_code_error(
    interface: str, code: int, envelope: Mapping[str, Any], secrets: Iterable[str] = ()
) -> FusionSolarError:
    """The typed error for a non-zero failCode (the client handles 305-307 and 20006/20013)."""
    where = f"FusionSolar {interface} answered failCode {code}"
    if interface != "login":  # a login reply is never quoted: it may echo the system code
        said = excerpt(str(envelope.get("message") or envelope.get("data") or "").encode(), secrets)
        where = f"{where} ({said})"
    if code in QUOTA_CODES:
        when = "tomorrow (daily cap)" if code == 20618 else "in a later run"
        return QuotaExceeded(f"{where}: too many calls. Not retried; tried again {when}")
    if code == API_ACCESS_OFF:
        return ApiAccessOff(
            f'{where}: the plant owner has switched off "Access to API" for this account. '
            "The owner turns it back on in the FusionSolar app: plant > Settings > "
            "Permissions > Access to API. Nothing else fixes it"
        )
    if code in SERVER_TROUBLE_CODES:
        return FusionSolarUnavailable(f"{where}: the service is busy; the next run tries again")
    if code in RELOGIN_CODES:
        return UnexpectedResponse(f"{where}: the session ended again right after logging in")
    if code == 401:
        return UnexpectedResponse(f"{where}: this API account has no permission for it")
    if code in STALE_DEVICE_CODES:
        return UnexpectedResponse(f"{where}: the devices do not match; they are looked up again")
    return UnexpectedResponse(f"{where}: not understood; see Huawei's error code list")


def fail_code(envelope: Mapping[str, Any]) -> int:
    """The reply's failCode (0 = success). A missing failCode counts as 0 only with success true."""
    code = as_int(envelope.get("failCode"))
    if code is not None and abs(code) < 2**31:  # Huawei's codes are small; others are junk
        return code
    if envelope.get("success") is True:
        return 0
    return -1  # neither: a reply we do not understand
