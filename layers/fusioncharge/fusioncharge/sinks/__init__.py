"""Sinks: where the site meters go (SINKS). The run computes the site meters once and hands
them to each sink in turn; a sink's failure never stops another.

Charging sinks (ChargeHQ, Home Assistant: a car's charge follows them) go first, monitoring
sinks (PVOutput) after. Each sink gets a fair slice of what is left of the run's deadline: the
time left divided by the sinks still to go, so a hanging first sink cannot starve the last one
and a quick one leaves its time to the next. Each sink converts units and signs itself; none
turns an unknown value into a number.
"""

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import BridgeError, InternalError

if TYPE_CHECKING:
    from fusioncharge.state import State

OK, FAILED, WAITING = "ok", "FAILED", "waiting"
Memory = MutableMapping[str, Any]  # what a sink keeps between runs (in the state, small)


class Sink(Protocol):
    name: str  # as in SINKS
    charging: bool  # a charger follows it: the run fails only when every one of these failed
    sent: dict[str, Any] | None  # what the last push sent, secrets masked (make run shows it)

    def push(self, meters: SiteMeters, deadline: Deadline, memory: Memory) -> str:
        """Send the site meters; return OK or WAITING (nothing sent, on purpose); raise a
        BridgeError when it failed."""
        ...

    def tell(self, message: str, deadline: Deadline, memory: Memory) -> bool:
        """Tell the sink the readings could not be had; False when it has no error channel."""
        ...


@dataclass(frozen=True)
class SecretKey:
    """One key of a sink in the secret. `check` takes the value as the secret's JSON holds it
    (never a placeholder) and returns it as text, or raises ValueError saying what it must be
    (the message never quotes the value)."""

    name: str
    check: Callable[[Any], str]

    @property
    def env(self) -> str:
        """Its environment variable for `make run LIVE=1` and `make status`'s checks."""
        return self.name.upper()


class SinkSettings(Protocol):
    """What the sinks read of the run's settings (settings/environment.py's `Settings`, which
    reads the registry of sinks: the settings sit above the sinks, so this names the fields)."""

    @property
    def sinks(self) -> tuple[str, ...]: ...

    @property
    def chargehq_push_url(self) -> str: ...

    @property
    def plant_timezone(self) -> str: ...


@dataclass(frozen=True)
class SinkContext:
    """What building a sink may use besides its keys: the run's clock and settings, the state
    (None before it loaded), the HTTP timeout, and stand-in addresses (make run, tests)."""

    clock: Clock
    settings: SinkSettings
    state: "State | None" = None
    timeout: float = 10.0
    urls: Mapping[str, str] = field(default_factory=dict)  # sink name -> a stand-in's address


@dataclass(frozen=True)
class SinkKind:
    """A registry row (sinks/registry.py): everything the rest of the code knows of a sink."""

    name: str  # as in SINKS and the template's Sinks
    title: str  # in the users' words: "Home Assistant"
    keys: tuple[SecretKey, ...]  # its keys in the secret, each with its check
    charging: bool  # a charger follows it (the alarm and the run's verdict count these)
    build: Callable[[SinkContext, Mapping[str, str]], Sink]  # from its checked keys' values
    about: str = ""  # one line for the first deploy's question: what it is, what it needs


def text_key(what: str) -> Callable[[Any], str]:
    """A key that holds text (an API key): anything else is named, with what it must be."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be {what}, as text in quotes")
        return value.strip()

    return check


@dataclass
class Delivery:
    """What each sink made of this run, in the order they went."""

    outcomes: dict[str, str] = field(default_factory=dict)  # name -> ok / FAILED / waiting
    errors: dict[str, BridgeError] = field(default_factory=dict)
    charging: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """`chargehq=ok hass=FAILED(hass_unavailable) pvoutput=ok`"""
        return " ".join(
            f"{name}={outcome}" + (f"({self.errors[name].code})" if name in self.errors else "")
            for name, outcome in self.outcomes.items()
        )

    def run_failed(self) -> BridgeError | None:
        """The error the run fails with: the first charging sink's, when every charging sink
        failed (with no charging sink configured: every sink). None when the run is fine."""
        counted = [n for n in self.outcomes if n in self.charging] or list(self.outcomes)
        if counted and all(n in self.errors for n in counted):
            return self.errors[counted[0]]
        return None


def in_order(sinks: Sequence[Sink]) -> list[Sink]:
    """Charging sinks first, each group in the order SINKS gives."""
    return sorted(sinks, key=lambda sink: not sink.charging)


def share(deadline: Deadline, clock: Clock, sinks_left: int) -> Deadline:
    """This sink's slice: an equal part of the time left among the sinks still to go."""
    now = clock.now()
    return Deadline(clock, now + max(0.0, deadline.at - now) / max(1, sinks_left))


def deliver(
    sinks: Sequence[Sink],
    send: Callable[[Sink, Deadline, Memory], str],
    deadline: Deadline,
    memory: Mapping[str, Memory],
) -> Delivery:
    """Call `send` for each sink in turn with its slice of the deadline; collect outcomes."""
    ordered = in_order(sinks)
    delivery = Delivery(charging=tuple(s.name for s in ordered if s.charging))
    for n, sink in enumerate(ordered):
        slice_ = share(deadline, deadline.clock, len(ordered) - n)
        try:
            delivery.outcomes[sink.name] = send(sink, slice_, memory[sink.name])
        except Exception as exc:
            # A sink's bug is its own failure too (named, never its message): the next goes on.
            error = exc if isinstance(exc, BridgeError) else InternalError.of(exc)
            delivery.outcomes[sink.name] = FAILED
            delivery.errors[sink.name] = error
    return delivery
