"""The Push API body: site meters or an error, never both, and its masked copy for logs."""

import math
from typing import Any

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.masking import MASK, mask
from fusioncharge.sinks.http import one_line

ERROR_MAX_CHARS = 300  # ChargeHQ shows the error in its app: keep it short


def build_body(
    api_key: str, *, site_meters: SiteMeters | None = None, error: str | None = None
) -> dict[str, Any]:
    """The Push API body: siteMeters (and tsms when known), or error; never both."""
    if (site_meters is None) == (error is None):
        raise ValueError("build_body needs exactly one of site_meters or error")
    body: dict[str, Any] = {"apiKey": api_key}
    if site_meters is not None:
        meters = {name: float(value) for name, value in site_meters.as_dict().items()}
        if not all(math.isfinite(value) for value in meters.values()):
            raise ValueError("site meters must be finite numbers")
        body["siteMeters"] = meters
        if site_meters.tsms is not None:
            body["tsms"] = int(site_meters.tsms)
    else:
        body["error"] = one_line(scrub(str(error), api_key), ERROR_MAX_CHARS) or "no readings"
    return body


def masked(body: dict[str, Any]) -> dict[str, Any]:
    """A copy that is safe to log or print: apiKey replaced by ***."""
    copy = {k: dict(v) if isinstance(v, dict) else v for k, v in body.items()}
    key = body.get("apiKey")
    if "apiKey" in copy:
        copy["apiKey"] = MASK
    error = copy.get("error")
    if isinstance(key, str) and isinstance(error, str):
        copy["error"] = scrub(error, key)
    return copy


def scrub(text: str, api_key: str) -> str:
    """Remove the API key, in any form and letter case, from text that may echo it back."""
    return mask(text, [api_key])


def shown_body(meters: SiteMeters | None, told: str | None) -> dict[str, Any] | None:
    """The ChargeHQ-shaped body of a run as it may be shown (the last line of `make run`, the
    handler's reply), whatever the sinks: the error told, else the site meters; apiKey ***."""
    if told is not None:
        return masked(build_body(MASK, error=told))
    if meters is not None:
        return masked(build_body(MASK, site_meters=meters))
    return None
