"""Building the sinks SINKS lists for one run, and keeping what they remember in the state."""

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from fusioncharge.clock import Deadline
from fusioncharge.errors import BridgeError, StateError
from fusioncharge.sinks import Delivery, Memory, Sink, SinkContext, deliver, registry
from fusioncharge.state import State
from fusioncharge.state.checkpoint import Checkpoint

logger = logging.getLogger(__name__)


class SinkBuilder:
    """The sinks SINKS names whose keys are in the secret, in their order, and the delivery;
    each built by its registry row (sinks/registry.py) from its own keys. `keys` are the
    secret's sink keys that are filled in and passed their checks (SiteSecret.keys)."""

    def __init__(self, context: SinkContext, deadline: Deadline, save_seconds: float) -> None:
        self.names = context.settings.sinks
        self.context = context
        # The state store's slowest call is kept back for saving what the sinks remember.
        self.run_deadline = deadline
        self.deadline = Deadline(deadline.clock, deadline.at - save_seconds)
        self.sent: dict[str, dict[str, Any]] = {}  # what each sink was sent, masked

    def build(self, keys: Mapping[str, str], state: State | None = None) -> list[Sink]:
        context = replace(self.context, state=state)
        built: list[Sink] = []
        for name in self.names:
            if name not in registry.names():
                continue
            kind = registry.kind(name)
            if all(k.name in keys for k in kind.keys):
                built.append(kind.build(context, {k.name: keys[k.name] for k in kind.keys}))
        return built

    def deliver(
        self,
        keys: Mapping[str, str],
        send: Callable[[Sink, Deadline, Memory], str],
        state: State | None,
    ) -> Delivery:
        memory: dict[str, Any] = {} if state is None else dict(state.sinks or {})
        built = self.build(keys, state)
        for sink in built:
            memory[sink.name] = dict(memory.get(sink.name) or {})
        delivery = deliver(built, send, self.deadline, memory)
        self.sent = {s.name: got for s in built if (got := getattr(s, "sent", None)) is not None}
        if state is not None:
            state.sinks = {name: kept for name, kept in memory.items() if kept} or None
        return delivery


def keep_memory(saves: Checkpoint | None, state: State | None) -> None:
    """Save what the sinks remember (PVOutput's day, ChargeHQ's silence) when it changed,
    through the run's checkpoint (merged with racing runs like every save)."""
    if saves is None or state is None or saves.store_holds(state):
        return
    try:
        saves.save(state)
    except StateError as exc:
        logger.error("could not save what the sinks remember: %s", exc)


def log_failures(errors: Mapping[str, BridgeError], run_error: BridgeError | None) -> None:
    """A WARNING per failed sink the run does not fail for (the summary names the rest)."""
    for name, exc in errors.items():
        if exc is not run_error:
            logger.warning("sink %s failed: %s: %s", name, exc.code, exc)
