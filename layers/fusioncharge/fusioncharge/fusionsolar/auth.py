"""The session token: reused while it lasts, renewed by one guarded login.

Safety rules, from Huawei's limits (5 wrong passwords in 10 minutes lock the account for
30 minutes; 5 logins per 10 minutes):
- at most one login per run, and only when the lockout guard (login_guard.py) allows it; each
  login is counted in the state and saved before it is sent;
- every reply to a login that is not a success (a token and failCode 0) counts as refused: an
  unknown failCode, an HTML page, `{}`, HTTP 401... may be Huawei's new way of saying "wrong
  password" (it changed once, in 2025). Only an explicit quota refusal and a request that never
  left are not counted;
- runs that overlap do not log in together: after saving its count a run waits a moment,
  re-reads the store, and logs in only when its count is still there and no other run counted
  a login in the last minute (two logins at once would end each other's session);
- a login is only retried when the request cannot have reached the server (transport.py).
"""

import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fusioncharge.clock import Clock, utc
from fusioncharge.errors import (
    AccountLocked,
    CallTooSoon,
    CredentialsRejected,
    FusionSolarUnavailable,
    QuotaExceeded,
    StateNotSaved,
    UnexpectedResponse,
)
from fusioncharge.fusionsolar import login_guard as guard
from fusioncharge.fusionsolar import replies
from fusioncharge.fusionsolar.login_replies import LOGIN_FIX, LOGIN_LOCKED, LOGIN_REJECTED
from fusioncharge.fusionsolar.transport import NoReply, Portal, Reply
from fusioncharge.state import State

if TYPE_CHECKING:
    from fusioncharge.state.checkpoint import Checkpoint

TOKEN_REFRESH_AGE = 29 * 60  # Huawei's token lasts 30 minutes: renew a minute early
LOGIN_SETTLE = 1.0  # seconds between saving the count and re-reading it: racing saves land
RACING_SECONDS = 60.0  # another run's login counted this recently may still be under way


@dataclass(frozen=True)
class Credentials:
    username: str
    system_code: str = field(repr=False)  # Huawei calls the password "system code"


class Auth:
    """Holds the run's login count; `checkpoint.before(state, "login")` saves the state before
    a login and raises StateError when it cannot (no saved guard, no login)."""

    def __init__(
        self,
        portal: Portal,
        credentials: Credentials,
        state: State,
        clock: Clock,
        logger: logging.Logger,
        checkpoint: "Checkpoint",
    ) -> None:
        self.portal = portal
        self.credentials = credentials
        self.state = state
        self.clock = clock
        self.logger = logger
        self.checkpoint = checkpoint
        self.logins = 0
        self._quota_reply = False

    def secrets(self) -> list[str]:
        """What no message may show: the system code and the token."""
        return [s for s in (self.credentials.system_code, self.state.token) if s]

    def ensure_token(self) -> None:
        """Log in unless the state holds a token young enough to use."""
        issued = self.state.token_issued_at
        age = self.clock.now() - issued if issued is not None else None
        if self.state.token and age is not None and -60 <= age < TOKEN_REFRESH_AGE:
            return
        self.login()

    def session_ended(self, code: int) -> None:
        """FusionSolar ended the session (failCode 305-307): log in again, once a run."""
        self.logger.info("FusionSolar ended the session (failCode %d); logging in again", code)
        self.state.token = None
        self.login()

    def login(self) -> None:
        now = self.clock.now()
        self._check_guard(now)
        if self.logins:
            raise UnexpectedResponse(
                "FusionSolar asked for a second login within one run; not logging in again "
                "(repeated logins can lock the account). Another app or poller using the same "
                "FusionSolar account may be ending this session: give this one its own account."
            )
        # A few random microseconds tell this run's count from a racing run's at the same time.
        at = now + secrets.randbelow(10_000) / 1e6
        guard.count_try(self.state, at)
        # StateError: no saved guard, no login. Read back by _make_way, a second later.
        self.checkpoint.before(self.state, "login", verify=False)
        self._make_way(at, now)
        self.logins += 1
        refused = True  # unless answered otherwise: a lost reply may have counted as wrong
        self._quota_reply = False
        try:
            self._send_login(self.clock.now())  # after the wait: the token's real age
            refused = False
        except NoReply as exc:
            refused = exc.reached
            raise FusionSolarUnavailable(str(exc)) from None
        except Exception:
            # Anything but a success may be a wrong password in a shape we do not know yet.
            refused = not self._quota_reply
            if self._quota_reply:  # not a wrong password: backed off, and said why
                guard.quota_refused(self.state, self.clock.now())
                raise QuotaExceeded(guard.quota_backoff_message(self.state)) from None
            raise
        finally:
            if not refused:
                guard.not_refused(self.state, at)

    def _make_way(self, at: float, now: float) -> None:
        """Log in alone: wait for racing saves to land, merge them, and give way (the try
        uncounted; the run skips) when a racing run's count is there or ours was lost."""
        self.clock.sleep(LOGIN_SETTLE)
        self.checkpoint.refresh(self.state)
        stored = (self.checkpoint.base or State()).login_tries or ()
        guard.not_refused(self.state, at)
        others = [t for t in self.state.login_tries or () if abs(t - at) < RACING_SECONDS]
        try:
            guard.check(self.state, self.credentials, now)  # with what racing runs counted
        except AccountLocked as exc:
            self.logger.warning("%s", exc)
            raise
        if at not in stored and not others:
            raise StateNotSaved(
                "the state read back from its store does not hold the login's count; not "
                "logging in (the saved count is what keeps the next runs from locking the "
                "FusionSolar account)"
            )
        if others or at not in stored:
            self.logger.warning("another run is logging in to FusionSolar; this one gives way")
            raise CallTooSoon(
                "another run (a manual invoke, make status, a LIVE tool) is logging in to "
                "FusionSolar at the same moment; this run does not, since two logins at once "
                "end each other's session. The next run reads as usual."
            )
        guard.count_try(self.state, at)

    def _send_login(self, now: float) -> None:
        creds = self.credentials
        reply = self.portal.exchange(
            "login", {"userName": creds.username, "systemCode": creds.system_code}, None
        )
        self._quota_reply = quota_refusal(reply)
        if reply.status == 200 and not reply.body.strip():
            raise self._reject(now, "rejected the user name or system code")
        envelope = self.portal.decode("login", reply, self.secrets())
        code = replies.fail_code(envelope)
        if code in LOGIN_REJECTED:
            what = f"rejected the login (failCode {code}: {LOGIN_REJECTED[code]})"
            raise self._reject(now, what, LOGIN_FIX.get(code))
        if code in LOGIN_LOCKED:
            raise self._locked(now, code)
        if code != 0:
            raise replies.fail_code_error("login", code, envelope, self.secrets())
        if not reply.token:
            raise UnexpectedResponse(
                "FusionSolar accepted the login but sent no XSRF-TOKEN (header or cookie); "
                "check FUSIONSOLAR_BASE_URL is your region's FusionSolar portal"
            )
        st = self.state
        st.token, st.token_issued_at = reply.token, now
        guard.accepted(st, now)
        self.logger.info(
            "logged in to FusionSolar (token kept for %d minutes)", TOKEN_REFRESH_AGE // 60
        )

    def _check_guard(self, now: float) -> None:
        st = self.state
        guarded_before = st.no_login_before is not None and now < st.no_login_before
        try:
            guard.check(st, self.credentials, now)
        except AccountLocked as exc:
            self.logger.warning("%s", exc)
            raise
        if guarded_before:
            self.logger.info("credentials changed since FusionSolar rejected them: logging in")

    def _forget_token(self) -> None:
        self.state.token, self.state.token_issued_at = None, None

    def _reject(self, now: float, what: str, fix: str | None = None) -> CredentialsRejected:
        self._forget_token()
        until = guard.rejected(self.state, self.credentials, now)
        self.logger.warning(
            "FusionSolar rejected the credentials; no login with them before %s", utc(until)
        )
        fix = fix or (
            f"Fix {guard.LOGIN_KEYS} in the secret (the Northbound API account, not the app "
            "login). "
        )
        return CredentialsRejected(
            f"FusionSolar {what}. {fix}To avoid locking the account, no login is tried with "
            f"these values before {utc(until)}."
        )

    def _locked(self, now: float, code: int) -> CredentialsRejected | AccountLocked:
        """Huawei's answer for a locked account (20400 also means a wrong password)."""
        self._forget_token()
        until = guard.probable_lock(self.state, now)
        self.logger.warning(
            "FusionSolar refused the login (failCode %d); no login of any credentials before %s",
            code,
            utc(until),
        )
        cls = AccountLocked if code == 20403 else CredentialsRejected
        return cls(
            f"FusionSolar refused the login (failCode {code}: {LOGIN_LOCKED[code]}). The "
            "account may be locked, after wrong logins, for 30 minutes: no login of any "
            f"credentials is tried before {utc(until)}. Check {guard.LOGIN_KEYS} in the "
            "secret (the Northbound API account) and the account in FusionSolar (Northbound "
            "management)."
        )


def quota_refusal(reply: Reply) -> bool:
    """True for Huawei's explicit "too many calls" (HTTP 429, the gateway's quota body,
    failCode 407/20618): the one refusal of a login that is not a possible wrong password."""
    if reply.status == 429:
        return True
    try:
        body = json.loads(reply.body)
    except (ValueError, RecursionError):
        return False
    if not isinstance(body, dict):
        return False
    return str(body.get("errorCode")) == replies.GATEWAY_QUOTA or (
        replies.fail_code(body) in replies.QUOTA_CODES
    )
