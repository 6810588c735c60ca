"""What one run did: for the summary line, the metrics, `make run` and the handler's reply."""

from dataclasses import dataclass, field
from typing import Any

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.errors import BridgeError, CallTooSoon, StateError


@dataclass
class RunResult:
    """What one run did, for the log line, the metrics and `make run`."""

    pushed: bool = False
    site_meters: SiteMeters | None = None
    told: str | None = None  # the error the sinks were (or, dry run, would be) told
    error: BridgeError | None = None
    skipped: str | None = None  # why this run read nothing, when that is no failure
    unsaved_state: StateError | None = None  # raised after the push: readings are not lost
    fusionsolar_calls: int = 0
    logins: int = 0
    implausible_readings: int = 0  # readings left out as not a measurement (each logged)
    meter_direction_suspect: bool = False  # meter power and counters disagree (logged)
    sinks: dict[str, str] = field(default_factory=dict)  # sink -> ok / FAILED / waiting
    sink_errors: dict[str, str] = field(default_factory=dict)  # failed sink -> its error code
    plant_notices: list[str] = field(default_factory=list)  # where a plant is: unknown, doubted
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # sink -> what it got, masked

    @property
    def sinks_line(self) -> str:
        """`chargehq=ok hass=FAILED(hass_webhook_unknown) pvoutput=ok`: every sink this run
        went to, a failed one with its error code."""
        return " ".join(
            f"{name}={outcome}"
            + (f"({self.sink_errors[name]})" if name in self.sink_errors else "")
            for name, outcome in self.sinks.items()
        )

    @property
    def error_pushed(self) -> bool:
        return self.pushed and self.told is not None

    def summary(self) -> str:
        """One line a person can read: what was pushed, or why nothing was."""
        calls = f"({self.fusionsolar_calls} FusionSolar calls, {self.logins} logins)"
        if self.skipped is not None:
            return f"SKIPPED {CallTooSoon.code}: {self.skipped} {calls}"
        if self.error is not None:
            told = ""
            if self.error_pushed:
                only_chargehq = set(self.sinks) == {"chargehq"}
                told = "; ChargeHQ was told" if only_chargehq else f"; told {self.sinks_line}"
            elif self.sinks:
                told = f"; {self.sinks_line}"
            return f"FAILED {self.error.code}: {self.error}{told} {calls}"
        verb = " ".join(filter(None, ("pushed", self.sinks_line)))
        verb = verb if self.pushed else "dry run, not pushed"
        meters = self.site_meters.as_dict() if self.site_meters else {}
        return f"{verb} {meters} {calls}"
