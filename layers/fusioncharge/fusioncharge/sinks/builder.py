"""Building the sinks SINKS lists for one run, and keeping what they remember in the state."""

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS
from fusioncharge.aws.secrets import SiteSecret
from fusioncharge.chargehq.client import ChargeHqClient
from fusioncharge.checkpoint import Checkpoint
from fusioncharge.clock import Deadline
from fusioncharge.errors import BridgeError, StateError
from fusioncharge.settings import Settings
from fusioncharge.sinks import Delivery, Memory, Sink, SinkFactory, deliver
from fusioncharge.sinks.chargehq import ChargeHqSink
from fusioncharge.state import State

logger = logging.getLogger(__name__)


class ChargeHqFactory(Protocol):
    """Builds the ChargeHQ client for an API key, within a deadline (the sink's slice)."""

    def __call__(self, api_key: str, deadline: Deadline | None = None, /) -> ChargeHqClient: ...


class SinkBuilder:
    """The sinks SINKS names whose keys are in the secret, in their order, and the delivery."""

    def __init__(
        self,
        settings: Settings,
        chargehq: ChargeHqFactory,
        others: Mapping[str, SinkFactory],
        deadline: Deadline,
    ) -> None:
        self.names = settings.sinks
        self.chargehq, self.others = chargehq, others
        # One slowest AWS call is kept back for saving what the sinks remember.
        self.run_deadline = deadline
        self.deadline = Deadline(deadline.clock, deadline.at - AWS_CALL_MAX_SECONDS)

    def build(self, secret: SiteSecret, state: State | None = None) -> list[Sink]:
        built: list[Sink] = []
        for name in self.names:
            if not secret.has_keys(name):
                continue
            if name == "chargehq" and secret.chargehq_api_key is not None:
                built.append(
                    ChargeHqSink(self.chargehq, secret.chargehq_api_key, self.deadline.clock)
                )
            elif name in self.others:
                built.append(self.others[name](secret, state))
        return built

    def deliver(
        self,
        secret: SiteSecret,
        send: Callable[[Sink, Deadline, Memory], str],
        state: State | None,
    ) -> Delivery:
        memory: dict[str, Any] = {} if state is None else dict(state.sinks or {})
        built = self.build(secret, state)
        for sink in built:
            memory[sink.name] = dict(memory.get(sink.name) or {})
        delivery = deliver(built, send, self.deadline, memory)
        if state is not None:
            state.sinks = {name: kept for name, kept in memory.items() if kept} or None
        return delivery


def keep_memory(saves: Checkpoint | None, state: State | None) -> None:
    """Save what the sinks remember (PVOutput's day, ChargeHQ's silence) when it changed,
    through the run's checkpoint (merged with racing runs like every save)."""
    if saves is None or state is None or saves.saved(state):
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
