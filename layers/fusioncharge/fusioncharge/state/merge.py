"""Merging the state a run holds with what racing runs saved meanwhile (no I/O).

SSM has no conditional write, and two runs may overlap (a manual invoke, `make status`, a LIVE
tool during a scheduled run). So before every save the run re-reads the stored state and merges
it three ways: `base` is what this run last loaded or saved, `stored` what the store holds now,
`ours` what the run holds. A field nobody else changed keeps ours; a field only another run
changed takes theirs; a field both changed is settled by its rule (state/fields.py), always the
safe side:
- the guard's counted logins are a multiset union (ours, plus what others added since base),
  so a racing run's refused login is never lost and a login this run answered stays uncounted;
- every time that keeps a call back (a type's last reading, a lock, a pending mark) is the
  latest of the two, so a reading time never rolls back;
- the token, the device list (with the types it left out or that went unanswered) and the login
  back-off (with its count of refusals) are the newer of the two, by their own time;
- the plant lookup (with its plants' facts) and the rest ours.
Fields under one rule and one time are settled together, as one record.
"""

from collections import Counter
from collections.abc import Callable

from fusioncharge.state import State
from fusioncharge.state.fields import (
    COUNTED,
    EACH_LATEST,
    FIELDS,
    GUARDED,
    LATEST,
    NEWER,
    OURS,
    Merge,
)

Values = dict[str, object]
Settle = Callable[[Values, Values, str | None], Values]


def merge(ours: State, base: State, stored: State) -> None:
    """Fold what others saved since `base` into `ours` (in place)."""
    for rule, names in groups().items():
        if rule.rule in PER_FIELD:
            (name,) = names
            PER_FIELD[rule.rule](ours, base, stored, name)
            continue
        mine, theirs, before = (_get(s, names) for s in (ours, stored, base))
        if theirs in (before, mine):
            continue  # nobody else changed it
        chosen = theirs if mine == before else SETTLE[rule.rule](mine, theirs, rule.follows)
        for name, value in chosen.items():
            setattr(ours, name, value)


def groups() -> dict[Merge, tuple[str, ...]]:
    """The fields settled together: one rule and one time (a rule without one: each alone)."""
    found: dict[Merge, tuple[str, ...]] = {}
    for f in FIELDS:
        key = f.merge if f.merge.follows is not None else Merge(f.merge.rule, f.name)
        found[key] = (*found.get(key, ()), f.name)
    return found


def _get(state: State, names: tuple[str, ...]) -> Values:
    return {name: getattr(state, name) for name in names}


def _newer(mine: Values, theirs: Values, time: str | None) -> Values:
    """The values whose time is later (None is the earliest)."""
    return theirs if _time(theirs, time) > _time(mine, time) else mine


def _time(values: Values, time: str | None) -> float:
    return _seconds(values[time or ""])


def _seconds(value: object) -> float:
    return value if isinstance(value, float | int) else 0.0


def _ours(mine: Values, theirs: Values, time: str | None) -> Values:
    return mine


def _latest(mine: Values, theirs: Values, time: str | None) -> Values:
    return {name: _later(mine[name], theirs[name]) for name in mine}


def _later(a: object, b: object) -> float | None:
    """The later of two times; an unset one (None) is the earliest."""
    times = [t for t in (a, b) if isinstance(t, float | int)]
    return max(times) if times else None


def _both_rejected(mine: Values, theirs: Values, time: str | None) -> Values:
    """Credentials either run saw rejected stay guarded, until the later of the two guards."""
    chosen: Values = {}
    for name in mine:
        if name == time:
            chosen[name] = _later(mine[name], theirs[name])
        else:
            hashes = [*_words(mine[name]), *_words(theirs[name])]
            chosen[name] = " ".join(list(dict.fromkeys(hashes))[-5:]) or None
    return chosen


def _words(value: object) -> list[str]:
    return value.split() if isinstance(value, str) else []


def _each_latest(ours: State, base: State, stored: State, name: str) -> None:
    mine = getattr(ours, name)
    for key, at in getattr(stored, name).items():  # never roll a reading time back
        mine[key] = max(at, mine.get(key, at))


def _counted(ours: State, base: State, stored: State, name: str) -> None:
    added = Counter(getattr(stored, name) or ()) - Counter(getattr(base, name) or ())
    setattr(ours, name, sorted([*(getattr(ours, name) or ()), *added.elements()]) or None)


SETTLE: dict[str, Settle] = {
    NEWER: _newer,
    OURS: _ours,
    LATEST: _latest,
    GUARDED: _both_rejected,
}
PER_FIELD: dict[str, Callable[[State, State, State, str], None]] = {
    EACH_LATEST: _each_latest,
    COUNTED: _counted,
}
