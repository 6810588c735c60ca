"""The emulated account: logins, tokens and the lockout, as the live service keeps them.

One user: a new login ends the earlier tokens. Five wrong passwords in 10 minutes lock the
account for 30 minutes; five logins in 10 minutes are the most it allows.
"""

import math
import secrets
import threading
from typing import Any

from emulator.fusionsolar.limits import SlidingWindow
from emulator.fusionsolar.replies import (
    LOGIN_MESSAGE,
    Answer,
    fail,
    must_relogin,
    ok,
    too_frequent,
)
from emulator.httpserve import Reply, Request, json_reply

TOKEN_SECONDS = 1800
LOGIN_WINDOW_SECONDS, LOGINS_PER_WINDOW = 600, 5
WRONG_PASSWORDS_TO_LOCK, LOCK_SECONDS = 5, 1800


class Accounts:
    """The login and logout routes, and the account's test controls (a mixin of the emulator,
    which sets these attributes up)."""

    _lock: threading.RLock
    _username: str
    _system_code: str
    _tokens: dict[str, float]  # token -> expiry
    _locked_until: float
    _logins: SlidingWindow
    _logouts: SlidingWindow
    _wrong: SlidingWindow

    def _start_accounts(self, username: str, system_code: str) -> None:
        self._username, self._system_code = username, system_code
        self._tokens = {}
        self._locked_until = -math.inf
        self._logins = SlidingWindow(LOGIN_WINDOW_SECONDS)
        self._logouts = SlidingWindow(LOGIN_WINDOW_SECONDS)
        self._wrong = SlidingWindow(LOGIN_WINDOW_SECONDS)

    @property
    def credentials(self) -> tuple[str, str]:
        with self._lock:
            return self._username, self._system_code

    def set_password(self, system_code: str) -> None:
        """The user changed their password at Huawei (tokens already issued stay valid)."""
        with self._lock:
            self._system_code = system_code

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _token_valid(self, request: Request, now: float) -> bool:
        token = request.headers.get("XSRF-TOKEN")
        return token is not None and self._tokens.get(token, -math.inf) > now

    def _login(self, request: Request, body: dict[str, Any], now: float) -> Answer:
        if now < self._locked_until:
            self._logins.add(now)
            return fail(20400, now, {}, "locked")
        if not self._logins.allows(now, LOGINS_PER_WINDOW):
            return too_frequent()
        self._logins.add(now)
        right = (body.get("userName"), body.get("systemCode")) == self.credentials
        if not right:
            self._wrong.add(now)
            if self._wrong.count(now) >= WRONG_PASSWORDS_TO_LOCK:
                self._locked_until = now + LOCK_SECONDS
                self._wrong.clear()
            # Observed: bad credentials get HTTP 200 with nothing in the body.
            return Answer(
                Reply(200, b"", (("Content-Type", "application/json"),)), "wrong_password"
            )
        self._wrong.clear()
        token = "x-" + secrets.token_hex(24)
        self._tokens = {token: now + TOKEN_SECONDS}  # a new login ends the user's earlier ones
        headers = (("xsrf-token", token), ("Set-Cookie", f"XSRF-TOKEN={token}; Path=/; Secure"))
        welcome: dict[str, Any] = {
            "data": None,
            "success": True,
            "failCode": 0,
            "params": {},
            "message": LOGIN_MESSAGE,
        }
        return Answer(json_reply(welcome, headers=headers))

    def _logout(self, request: Request, body: dict[str, Any], now: float) -> Answer:
        if not self._logouts.allows(now, LOGINS_PER_WINDOW):
            return too_frequent()
        self._logouts.add(now)
        token = body.get("xsrfToken") or request.headers.get("XSRF-TOKEN")
        if not isinstance(token, str) or self._tokens.get(token, -math.inf) <= now:
            return must_relogin()
        del self._tokens[token]
        return ok(None, now, {})
