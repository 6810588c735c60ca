"""Merging the state a run holds with what racing runs saved meanwhile (no I/O).

SSM has no conditional write, and two runs may overlap (a manual invoke, `make status`, a LIVE
tool during a scheduled run). So before every save the run re-reads the stored state and merges
it three ways: `base` is what this run last loaded or saved, `stored` what the store holds now,
`ours` what the run holds. A field nobody else changed keeps ours; a field only another run
changed takes theirs; a field both changed is settled by its rule, always the safe side:
- the guard's counted logins are a multiset union (ours, plus what others added since base),
  so a racing run's refused login is never lost and a login this run answered stays uncounted;
- every time that keeps a call back (a type's last reading, a lock, a pending mark) is the
  latest of the two, so a reading time never rolls back;
- the token and the device list are the newer of the two, as is the login back-off (with its
  count of refusals); the plant lookup and the rest ours.
"""

from collections import Counter
from collections.abc import Callable
from typing import Any

from fusioncharge.state import State

Values = tuple[Any, ...]


def merge(ours: State, base: State, stored: State) -> None:
    """Fold what others saved since `base` into `ours` (in place)."""
    for fields, settle in _GROUPS:
        mine = _get(ours, fields)
        theirs = _get(stored, fields)
        if theirs == _get(base, fields) or theirs == mine:
            continue  # nobody else changed it
        chosen = theirs if mine == _get(base, fields) else settle(mine, theirs)
        for name, value in zip(fields, chosen, strict=True):
            setattr(ours, name, value)
    for key, at in stored.last_fetch.items():  # never roll a reading time back
        ours.last_fetch[key] = max(at, ours.last_fetch.get(key, at))
    added = Counter(stored.login_tries or ()) - Counter(base.login_tries or ())
    tries = [*(ours.login_tries or ()), *added.elements()]
    ours.login_tries = sorted(tries) or None


def _get(state: State, fields: tuple[str, ...]) -> Values:
    return tuple(getattr(state, name) for name in fields)


def _newer(index: int) -> Callable[[Values, Values], Values]:
    """The values whose time at `index` is later (None is the earliest)."""

    def pick(mine: Values, theirs: Values) -> Values:
        return theirs if (theirs[index] or 0.0) > (mine[index] or 0.0) else mine

    return pick


def _ours(mine: Values, theirs: Values) -> Values:
    return mine


def _latest(mine: Values, theirs: Values) -> Values:
    times = [t for t in (mine[0], theirs[0]) if t is not None]
    return (max(times) if times else None,)


def _both_rejected(mine: Values, theirs: Values) -> Values:
    """Credentials either run saw rejected stay guarded, until the later of the two guards."""
    hashes = [*(mine[1] or "").split(), *(theirs[1] or "").split()]
    unique = list(dict.fromkeys(hashes))[-5:]
    return _latest((mine[0],), (theirs[0],))[0], " ".join(unique) or None


_GROUPS: tuple[tuple[tuple[str, ...], Callable[[Values, Values], Values]], ...] = (
    (("token", "token_issued_at"), _newer(1)),
    (("devices", "devices_fetched_at", "unserved_types"), _newer(1)),
    (("devices_asked_at",), _latest),
    (("plant_code", "plant_name", "plant_for_station", "plant_checked_at"), _ours),
    (("no_login_before", "rejected_credentials"), _both_rejected),
    (("locked_until",), _latest),
    (("login_backoff_until", "login_quota_refusals"), _newer(0)),
    (("kpi_pending",), _latest),
    (("server_leads",), _ours),
    (("meter_watch",), _ours),
    (("energy_watch",), _ours),
)
