"""The sinks one run builds (sinks/builder.py): each from its own keys and this run's state,
on a deadline that keeps one slowest AWS call back, and a warning only for a failure the run
does not fail for."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from emulator.clock import FakeClock
from fusioncharge.clock import Deadline
from fusioncharge.errors import ChargeHqUnavailable, PvOutputRejected
from fusioncharge.models import PlantFacts
from fusioncharge.sinks import SinkContext
from fusioncharge.sinks.builder import SinkBuilder, log_failures
from fusioncharge.state import State
from fusioncharge.state.store import SsmStateStore

PV_KEYS = {
    "pvoutput_api_key": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0",
    "pvoutput_system_id": "12345",
}


@dataclass(frozen=True)
class _Settings:
    sinks: tuple[str, ...] = ("pvoutput",)
    chargehq_push_url: str = "https://api.chargehq.net/api/public/push-solar-data"
    plant_timezone: str = ""  # not set: the plant's grid connection date's offset decides


def test_the_sinks_get_the_run_s_time_less_the_store_s_slowest_call():
    """What the sinks remember is saved after them: 60 s left is 60 - 5 s for the sinks
    (the SSM store's one attempt at its slowest: 2 s to connect, 3 s to read)."""
    clock = FakeClock(start=1000.0)
    context = SinkContext(clock, _Settings())
    built = SinkBuilder(context, Deadline(clock, 1060.0), SsmStateStore.slowest_call_seconds)
    assert built.deadline.at == 1055.0
    assert built.run_deadline.at == 1060.0


def test_a_sink_is_built_with_this_run_s_state():
    """PVOutput dates its status in the plant's time zone, known from the plant list's grid
    connection date that the state keeps, when PLANT_TIMEZONE is not set."""
    clock = FakeClock(start=1000.0)
    context = SinkContext(clock, _Settings())
    builder = SinkBuilder(context, Deadline(clock, 1060.0), SsmStateStore.slowest_call_seconds)
    state = State(plant_facts=[PlantFacts(grid_connection_date="2023-03-31T09:56:55+13:00")])
    (sink,) = builder.build(PV_KEYS, state)
    assert sink.zone.utcoffset(None) == timedelta(hours=13)


def test_only_a_failure_the_run_does_not_fail_for_is_a_warning(caplog):
    run_error = ChargeHqUnavailable("ChargeHQ did not answer")
    errors = {"chargehq": run_error, "pvoutput": PvOutputRejected("PVOutput said no")}
    with caplog.at_level(logging.WARNING, logger="fusioncharge.sinks.builder"):
        log_failures(errors, run_error)
    assert [r.getMessage() for r in caplog.records] == [
        "sink pvoutput failed: pvoutput_rejected: PVOutput said no"
    ]
