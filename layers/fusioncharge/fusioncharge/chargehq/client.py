"""Push site meters (or an error) to ChargeHQ's Push API.

One POST per run, 10 s timeout capped by the run's deadline, at most one retry (connection
errors and 5xx only, and only when a whole attempt still fits before the deadline: web.py). 2xx is
success; everything else is a typed ChargeHqError whose message never holds the API key (in any
form: masking.mask, the rule the FusionSolar client masks with too).
"""

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from fusioncharge import web
from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.chargehq.body import build_body, masked, one_line, scrub
from fusioncharge.clock import Deadline
from fusioncharge.errors import ChargeHqRejected, ChargeHqUnavailable
from fusioncharge.masking import MASK, show_url

EXCERPT_MAX_CHARS = 200
RETRY_STATUSES = frozenset(range(500, 600))  # every 5xx; 4xx would fail again

logger = logging.getLogger(__name__)


class ChargeHqClient:
    """Posts to one push URL with one API key. The given session gets the retry adapter mounted."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        deadline: Deadline | None = None,
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self._api_key = api_key
        self.deadline = deadline
        self.timeout = timeout
        self.session = session or requests.Session()
        retry = web.DeadlineRetry(
            total=1,
            connect=1,
            read=False,  # the request may have arrived: don't double the wait for a slow reply
            status=1,
            other=0,
            redirect=0,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"POST"}),
            raise_on_status=False,  # hand back the last 5xx so its status and body get reported
            respect_retry_after_header=False,  # a long Retry-After would outlive the run
            deadline=deadline,
            room=timeout,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"ChargeHqClient({show_url(self.url)!r}, apiKey={MASK})"

    def push_site_meters(self, meters: SiteMeters) -> dict[str, Any]:
        """Push the site meters; returns the body sent (unmasked: callers mask it)."""
        return self._post(build_body(self._api_key, site_meters=meters))

    def push_error(self, message: str) -> dict[str, Any]:
        """Tell ChargeHQ the readings could not be had; returns the body sent (unmasked)."""
        return self._post(build_body(self._api_key, error=message))

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        timeout = self._attempt_timeout()
        logger.debug("ChargeHQ push: %s", json.dumps(masked(body), separators=(",", ":")))
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
        try:
            response = self.session.post(
                self.url,
                data=data,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                timeout=timeout,
                allow_redirects=False,  # a redirect would carry the key elsewhere
                verify=True,
                stream=True,  # the reply is never read whole: at most an excerpt
            )
        except requests.exceptions.Timeout as exc:
            raise ChargeHqUnavailable(
                f"ChargeHQ did not answer within {timeout:g} s; the next poll pushes again"
            ) from exc
        except requests.exceptions.SSLError as exc:
            raise ChargeHqUnavailable(
                f"the TLS certificate of {self._host()} could not be verified; check "
                "CHARGEHQ_PUSH_URL (certificate checks stay on)"
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise ChargeHqUnavailable(
                f"could not reach ChargeHQ at {self._host()} ({_cause(exc)}); check "
                "CHARGEHQ_PUSH_URL and the network; the next poll pushes again"
            ) from exc
        try:
            self._check(response)
        finally:
            response.close()
        logger.debug("ChargeHQ accepted the push (HTTP %s)", response.status_code)
        return body

    def _attempt_timeout(self) -> float:
        capped = web.capped_timeouts((self.timeout,), self.deadline)
        if capped is None:
            raise ChargeHqUnavailable("no time left in this run to push to ChargeHQ")
        return capped[0]

    def _check(self, response: requests.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        excerpt = one_line(scrub(_head(response), self._api_key), EXCERPT_MAX_CHARS)
        reply = f"HTTP {status}: {excerpt}" if excerpt else f"HTTP {status}"
        if status >= 500:
            raise ChargeHqUnavailable(
                f"ChargeHQ is unavailable ({reply}); the next poll pushes again"
            )
        rejected = ChargeHqRejected(f"ChargeHQ refused the push ({reply}); {_advice(status)}")
        rejected.status = status
        raise rejected

    def _host(self) -> str:
        return urlsplit(self.url).hostname or "the push URL"


def _advice(status: int) -> str:
    if status in (401, 403):
        return (
            "check chargehq_api_key in the secret (ChargeHQ: My Equipment → Solar / Battery "
            "Equipment → Push API) and that Push API is the site's solar source"
        )
    if status == 429:
        return "ChargeHQ asks for fewer pushes: keep the schedule at 1 minute or slower"
    if status in (404, 410) or 300 <= status < 400:
        return "check CHARGEHQ_PUSH_URL"
    return "the body was not accepted: see the log at DEBUG for what was sent"


def _cause(exc: BaseException) -> str:
    """The innermost exception's class name: says what failed without echoing URLs or bodies."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    reason = getattr(exc, "reason", None)
    return type(reason).__name__ if isinstance(reason, BaseException) else type(exc).__name__


def _head(response: requests.Response, limit: int = 4096) -> str:
    """The start of a reply, enough for an excerpt; an endless reply is not read on."""
    # A reply cut short still has its status to report: what came is the excerpt.
    data, _ = web.read_capped(response, limit, chunk=1024, partial=True)
    return data.decode(response.encoding or "utf-8", errors="replace")
