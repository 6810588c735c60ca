"""The lockout guard: when a login to FusionSolar may be tried, and what a refusal means.

Huawei locks an account for 30 minutes after 5 wrong passwords within 10 minutes, and then
answers every login (the right password too) with failCode 20400. The guard keeps the poller
far from that, whatever the user saves in the secret and however often they run it:
- at most 2 logins refused or unanswered in any rolling 10 minutes, whatever the credentials
  (a timed-out login may have counted as a wrong one);
- each login is counted in the state, and the state saved, before it is sent: the caller
  refuses the login when that save fails (no saved guard, no login);
- the same rejected credentials are not tried again for 30 minutes (changed ones may be,
  within the count);
- after a probable lock (failCode 20400/20403, or as many refusals as Huawei locks after) no
  login of any credentials for 30 minutes;
- after a login refused for the quota (407, HTTP 429, the gateway's quota: not a wrong
  password), no login for 5 minutes, then 15, an hour, 3 hours and 6 hours at most, until one
  works: Huawei has kept blocking a server's address for over 12 hours while it kept trying.
Every refusal says when the next login may be tried and why.
"""

import hashlib
import hmac
import secrets
from typing import Protocol

from fusioncharge.clock import utc
from fusioncharge.errors import AccountLocked, QuotaExceeded
from fusioncharge.state import State

WINDOW_SECONDS = 10 * 60  # Huawei counts wrong passwords over 10 minutes
MAX_REFUSED_IN_WINDOW = 2  # Huawei locks at 5: the user and other apps keep 3 to spare
HUAWEI_LOCKS_AFTER = 5
GUARD_SECONDS = 30 * 60  # how long Huawei locks an account
MAX_GUARDED = 5  # rejected credential sets remembered
LOGIN_KEYS = "fusionsolar_username / fusionsolar_system_code"
# No login this long after the 1st, 2nd, ... login refused for the quota in a row.
QUOTA_BACKOFF_SECONDS = (5 * 60, 15 * 60, 3600, 3 * 3600, 6 * 3600)


class Login(Protocol):
    @property
    def username(self) -> str: ...
    @property
    def system_code(self) -> str: ...


def check(state: State, creds: Login, now: float) -> None:
    """Raise AccountLocked when no login may be tried now; the message says until when."""
    backoff = state.login_backoff_until
    if backoff is not None and now < backoff:
        raise QuotaExceeded(quota_backoff_message(state))
    tries = recent_tries(state, now)
    if len(tries) >= HUAWEI_LOCKS_AFTER:
        probable_lock(state, max(tries))
    if state.locked_until is not None and now < state.locked_until:
        raise AccountLocked(
            f"Not logging in to FusionSolar before {utc(state.locked_until)}: it probably "
            "locked the account after wrong logins (it then refuses every password for 30 "
            "minutes, the right one too). The next login is tried then, with what the secret "
            f"holds; check {LOGIN_KEYS} meanwhile."
        )
    if len(tries) >= MAX_REFUSED_IN_WINDOW:
        raise AccountLocked(
            f"Not logging in to FusionSolar before {utc(min(tries) + WINDOW_SECONDS)}: "
            f"{len(tries)} logins in the last 10 minutes were refused or unanswered, and 5 "
            "wrong ones lock the account for 30 minutes. The next login is tried then, with "
            f"what {LOGIN_KEYS} in the secret hold."
        )
    guarded = state.no_login_before is not None and now < state.no_login_before
    if guarded and any(_same_credentials(h, creds) for h in _hashes(state)):
        raise AccountLocked(
            f"Not logging in to FusionSolar before {utc(state.no_login_before or now)}: it "
            "rejected these credentials, and 5 wrong tries in 10 minutes lock the account for "
            f"30 minutes. Fix {LOGIN_KEYS} in the secret; changed values are tried at the next "
            "run (at most 2 wrong logins in 10 minutes). If it said the Northbound account is "
            "disabled or expired (failCode 20002, 20003), the secret is right: that first "
            "failure's message says who fixes it."
        )


def recent_tries(state: State, now: float) -> list[float]:
    """Refused or unanswered logins still inside the window (a time ahead of ours counts)."""
    return [t for t in state.login_tries or () if now - t < WINDOW_SECONDS]


def count_try(state: State, now: float) -> None:
    """Count a login about to be sent as refused until it is answered otherwise."""
    state.login_tries = [*recent_tries(state, now), now]


def not_refused(state: State, at: float) -> None:
    """The login counted at `at` was accepted, never sent, or refused for another reason."""
    tries = list(state.login_tries or ())
    if at in tries:
        tries.remove(at)
    state.login_tries = tries or None


def accepted(state: State, at: float) -> None:
    not_refused(state, at)
    state.no_login_before, state.rejected_credentials, state.locked_until = None, None, None
    state.login_backoff_until, state.login_quota_refusals = None, None


def quota_refused(state: State, now: float) -> float:
    """A login refused for the quota: back off one step further; returns until when."""
    refusals = int(state.login_quota_refusals or 0)
    wait = QUOTA_BACKOFF_SECONDS[min(refusals, len(QUOTA_BACKOFF_SECONDS) - 1)]
    state.login_quota_refusals = refusals + 1
    state.login_backoff_until = max(state.login_backoff_until or now, now + wait)
    return state.login_backoff_until


def quota_backoff_message(state: State) -> str:
    """Why no login is tried, and what the user can do: the block may be on the address."""
    refusals = int(state.login_quota_refusals or 1)
    times = "once" if refusals == 1 else f"{refusals} times in a row"
    return (
        f"FusionSolar refused the login as too many calls ({times}); no login is tried before "
        f"{utc(state.login_backoff_until or 0.0)} (then after 15 minutes, an hour, 3 hours, "
        "at most every 6 hours, until one works). Nothing in the secret is wrong. It may be "
        "this address rather than your account: Huawei has blocked a server's address for "
        "over 12 hours after many logins, and Lambda's outbound addresses are shared with "
        "other AWS users. If it lasts over a day, try the account from another network "
        "(make run LIVE=1 on your computer): when that logs in, the block is on the address, "
        "so wait or deploy the stack to another AWS region; when it does not, ask your "
        "installer or Huawei support about the account's limits."
    )


def rejected(state: State, creds: Login, now: float) -> float:
    """Remember these credentials as rejected (with others still guarded); returns until when."""
    guarded = state.no_login_before is not None and now < state.no_login_before
    kept = _hashes(state)[-(MAX_GUARDED - 1) :] if guarded else []
    state.no_login_before = now + GUARD_SECONDS
    state.rejected_credentials = " ".join([*kept, credentials_hash(creds)])
    return next_login(state, creds, now)


def probable_lock(state: State, now: float) -> float:
    """No login of any credentials for 30 minutes; returns until when."""
    state.locked_until = max(state.locked_until or now, now + GUARD_SECONDS)
    return state.locked_until


def next_login(state: State, creds: Login, now: float) -> float:
    """The earliest time the guard lets these credentials log in."""
    tries = recent_tries(state, now)
    times = [now, state.locked_until or now]
    if len(tries) >= MAX_REFUSED_IN_WINDOW:
        times.append(sorted(tries)[-MAX_REFUSED_IN_WINDOW] + WINDOW_SECONDS)
    if any(_same_credentials(h, creds) for h in _hashes(state)):
        times.append(state.no_login_before or now)
    return max(times)


def credentials_hash(creds: Login, salt: str | None = None) -> str:
    """ "salt$sha256(salt + username + NUL + system code)": recognises, never reveals."""
    salt = salt or secrets.token_hex(8)
    text = f"{salt}{creds.username}\0{creds.system_code}".encode()
    return f"{salt}${hashlib.sha256(text).hexdigest()}"


def _hashes(state: State) -> list[str]:
    return (state.rejected_credentials or "").split()


def _same_credentials(stored: str | None, creds: Login) -> bool:
    if not stored or "$" not in stored:
        return False
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(stored, credentials_hash(creds, salt))
