"""One row per State field: the rules every part of state/ reads, so a field has them in one place.

Each row says how the field is stored (its JSON type, and its key when that is not its name:
codec.py), how far ahead of our clock a stored time may lie (anything further is damage, not
a plan: State.from_json refuses it), whose value a merge with a racing run keeps (merge.py),
when a state too big for its store drops it (salvage.py) and whether `start_over` keeps it from
a damaged state. tests/unit/state/test_fields.py fails when a State field has no row.
"""

from dataclasses import dataclass

# How far ahead of our clock a stored time may lie.
PAST = 60.0  # times of things that happened (a clock may step back a little)
GUARD = 30 * 60 + 60.0  # guards run at most 30 minutes ahead
PENDING = 15 * 60 + 60.0  # a run's pending calls end within Lambda's 15-minute maximum
BACKOFF = 6 * 3600 + 60.0  # a login back-off lasts at most 6 hours

# Stored types: what a stored value must be (codec.py reads and writes each).
TEXT = "text"
NUMBER = "number"  # finite
NUMBERS = "numbers"  # a list of them
TIMES_BY_TYPE = "times by type"  # {"38": epoch seconds}
MEMORIES = "memories"  # {"pvoutput": {...}}: one object per sink
DEVICES = "devices"  # grouped by plant (devices.py)
PLANT_FACTS = "plant facts"
METER_WATCH = "meter watch"
ENERGY_WATCH = "energy watch"


@dataclass(frozen=True)
class Merge:
    """Whose value a merge keeps when this run and a racing one both changed a field. Fields
    with the same rule and the same `follows` are settled together, as one record."""

    rule: str
    follows: str | None = None  # the time (or for OURS, the field) the group is settled by


OURS = "ours"  # this run's value: what it has just decided from what it read
LATEST = "latest"  # the later time (none is the earliest): a time that holds a call back
NEWER = "newer"  # the values of the run whose `follows` time is later
GUARDED = "guarded"  # hashes either run saw rejected, guarded until the later `follows` time
EACH_LATEST = "each latest"  # per device type, the later time: a reading time never rolls back
COUNTED = "counted"  # ours, plus what others added since the base (a multiset)

ours = Merge(OURS)
latest = Merge(LATEST)
each_latest = Merge(EACH_LATEST)
counted = Merge(COUNTED)
with_plant_lookup = Merge(OURS, "plant_code")  # the plant lookup is one answer, kept whole


def newer(time: str) -> Merge:
    return Merge(NEWER, time)


def guarded(time: str) -> Merge:
    return Merge(GUARDED, time)


with_device_list = newer("devices_fetched_at")  # never an older device list, nor its notes


@dataclass(frozen=True)
class Drop:
    """A part salvage drops, whole, when the state does not fit its store."""

    what: str  # what the log line names


NAMES = Drop("plant names")
CLOCK = Drop("FusionSolar clock estimate")
WATCH = Drop("meter watch")
COUNTERS = Drop("energy counters")
DEVICE_LIST = Drop("device list")
LOOKUP = Drop("plant lookup")
NEVER = None  # the lockout guard, the token, the reading times and what sinks remember
DROPPED_FIRST_TO_LAST = (NAMES, CLOCK, WATCH, COUNTERS, DEVICE_LIST, LOOKUP)  # least needed first


@dataclass(frozen=True)
class Field:
    name: str  # the State field
    stored: str  # its stored type
    slack: float | None  # a time (or times): how far ahead of our clock it may lie
    merge: Merge
    drop: Drop | None  # when salvage drops it (NEVER: never)
    kept: bool  # kept by start_over when sound (a field following a time: only with it)
    key: str = ""  # its stored key, when not its name

    @property
    def stored_key(self) -> str:
        return self.key or self.name


# name, stored type, time slack, merge rule, dropped by salvage, kept by start_over[, stored key]
FIELDS = (
    Field("token", TEXT, None, newer("token_issued_at"), NEVER, False),
    Field("token_issued_at", NUMBER, PAST, newer("token_issued_at"), NEVER, False),
    Field("no_login_before", NUMBER, GUARD, guarded("no_login_before"), NEVER, True),
    Field("rejected_credentials", TEXT, None, guarded("no_login_before"), NEVER, True),
    Field("plant_code", TEXT, None, with_plant_lookup, LOOKUP, False),
    Field("plant_name", TEXT, None, with_plant_lookup, NAMES, False),
    Field("plant_for_station", TEXT, None, with_plant_lookup, LOOKUP, False),
    Field("plant_checked_at", NUMBER, PAST, with_plant_lookup, LOOKUP, False),
    Field("plant_facts", PLANT_FACTS, None, with_plant_lookup, LOOKUP, False),
    Field("devices", DEVICES, None, with_device_list, DEVICE_LIST, False, "dv"),
    Field("devices_fetched_at", NUMBER, PAST, with_device_list, DEVICE_LIST, False),
    Field("devices_asked_at", NUMBER, PAST, latest, DEVICE_LIST, False),
    Field("last_fetch", TIMES_BY_TYPE, PAST, each_latest, NEVER, False),
    Field("server_leads", NUMBERS, None, ours, CLOCK, False),
    Field("unserved_types", NUMBERS, None, with_device_list, DEVICE_LIST, False),
    Field("missing_types", NUMBERS, None, with_device_list, DEVICE_LIST, False, "doubted_types"),
    Field("meter_watch", METER_WATCH, None, ours, WATCH, False),
    Field("energy_watch", ENERGY_WATCH, None, ours, COUNTERS, False, "ew"),
    Field("negative_runs", NUMBER, None, ours, NEVER, False),
    Field("login_tries", NUMBERS, PAST, counted, NEVER, True),
    Field("locked_until", NUMBER, GUARD, latest, NEVER, True),
    Field("login_quota_refusals", NUMBER, None, newer("login_backoff_until"), NEVER, True),
    Field("login_backoff_until", NUMBER, BACKOFF, newer("login_backoff_until"), NEVER, True),
    Field("kpi_pending", NUMBER, PENDING, latest, NEVER, False),
    Field("sinks", MEMORIES, None, ours, NEVER, False),
)
