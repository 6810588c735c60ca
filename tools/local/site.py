"""A whole site on this machine: FusionSolar emulator, ChargeHQ receiver, moto, the real handler.

`Site.run()` is one scheduled Lambda invocation; `next_run()` moves the shared fake clock on
and runs again; `cold_start()` drops what a warm container keeps, so only SSM carries state
across. The scenario most tests start from is `worked_example_scenario()`.
"""

from dataclasses import dataclass
from typing import Any

import boto3

from emulator.clock import FakeClock
from emulator.fusionsolar.example_plants import worked_example_scenario
from emulator.fusionsolar.scenario import load_scenario
from emulator.fusionsolar.server import FusionSolarEmulator
from emulator.receivers.chargehq import ChargeHqReceiver
from emulator.receivers.hass import HassWebhook
from emulator.receivers.pvoutput import PvOutputReceiver
from fusioncharge.errors import BridgeError
from fusioncharge.plant.zone import plant_zone
from tools.local.lambda_env import (
    DEMO_API_KEY,
    REGION,
    STATE_PARAMETER,
    LambdaContext,
    fake_aws,
    patched_environ,
    scheduled_event,
    seed_secret,
)

# The contract's worked example is named here too, as the site most tests start from.
__all__ = ["PVOUTPUT_SYSTEM", "SCHEDULE_SECONDS", "ObservedRun", "Site", "worked_example_scenario"]
SCHEDULE_SECONDS = 300
PVOUTPUT_KEY, PVOUTPUT_SYSTEM = "0123456789abcdef0123456789abcdef01234567", "12345"


@dataclass
class ObservedRun:
    """One invocation seen from outside: the raised error and the traffic it caused. What the
    run itself says it did is its RunResult, `result`."""

    returned: dict[str, Any] | None
    error: BaseException | None
    logins: int
    calls: list[Any]  # emulator CallRecords of this run
    pushes: list[Any]  # receiver PushRecords of this run
    result: Any = None  # the handler's RunResult

    def calls_to(self, interface: str) -> int:
        return sum(1 for c in self.calls if c.interface == interface)

    @property
    def last_body(self) -> dict[str, Any] | None:
        return self.pushes[-1].body if self.pushes else None


class Site:
    def __init__(
        self,
        scenario: dict[str, Any] | None = None,
        *,
        settings: dict[str, str] | None = None,
        secret: dict[str, Any] | str | None = None,
        timeout_hold: float = 4.0,
        latency: float = 0.0,
        service: str = "fusionsolar-chargehq-test",
    ) -> None:
        self.scenario = load_scenario(scenario)
        self.clock = FakeClock(self.scenario["current_time_ms"] / 1000)
        self.api_key = self.scenario.get("chargehq_api_key") or DEMO_API_KEY
        user = self.scenario["credentials"]
        self.secret = secret or {
            "fusionsolar_username": user["username"],
            "fusionsolar_system_code": user["system_code"],
            "chargehq_api_key": self.api_key,
            "pvoutput_api_key": PVOUTPUT_KEY,
            "pvoutput_system_id": PVOUTPUT_SYSTEM,
        }
        self.settings = {
            "STATION": _first_plant(self.scenario),
            **{k: str(v) for k, v in self.scenario.get("settings", {}).items()},
            **(settings or {}),
        }
        self.service = service
        self.timeout_hold = timeout_hold
        self.latency = latency
        self._exits: list[Any] = []

    def __enter__(self) -> "Site":
        faults = [f for f in self.scenario.get("faults", []) if f.get("interface") == "chargehq"]
        self.emulator = self._enter(
            FusionSolarEmulator(
                self.scenario,
                clock=self.clock,
                timeout_hold=self.timeout_hold,
                latency=self.latency,
            )
        )
        self.receiver = self._enter(
            ChargeHqReceiver(
                faults=faults,
                api_key=self.api_key,
                clock=self.clock,
                timeout_hold=self.timeout_hold,
            )
        )
        # The other sinks' stand-ins (SINKS=chargehq,hass,pvoutput); idle unless SINKS names them.
        self.hass = self._enter(HassWebhook(timeout_hold=self.timeout_hold))
        zone = plant_zone(self.settings.get("PLANT_TIMEZONE", ""), None)
        self.pvoutput = self._enter(
            PvOutputReceiver(
                PVOUTPUT_KEY,
                PVOUTPUT_SYSTEM,
                zone=zone,
                clock=self.clock,
                timeout_hold=self.timeout_hold,
            )
        )
        if isinstance(self.secret, dict) and "pvoutput_api_key" in self.secret:
            self.secret.setdefault("hass_webhook_url", self.hass.url)
        self._enter(fake_aws())
        self.secret_arn = seed_secret(self.secret)
        self._enter(
            patched_environ(
                {
                    **self.settings,
                    "FUSIONSOLAR_BASE_URL": self.emulator.base_url,
                    "CHARGEHQ_PUSH_URL": self.receiver.url,
                    "SECRET_ID": self.secret_arn,
                    "STATE_PARAMETER": STATE_PARAMETER,
                    "POWERTOOLS_SERVICE_NAME": self.service,
                    "POWERTOOLS_METRICS_NAMESPACE": "FusionSolarChargeHQ",
                }
            )
        )
        import app

        self.app = app
        # This site's own collaborators: its clock, and timeouts in whole seconds (loopback
        # answers at once, but a loaded machine, e.g. two test runs on two cores, paused a
        # reply past 1 s), a second under the emulators' hold for a "timeout" fault, so the
        # client gives up before the stand-in lets the request go.
        read = max(1.0, float(int(self.timeout_hold) - 1))
        self.wiring = app.Wiring(
            clock=self.clock,
            http_timeouts=(2.0, read),
            chargehq_timeout=read,
            # The stand-ins play ChargeHQ's and PVOutput's own services (sinks/chargehq.py
            # judges "gone" only from ChargeHQ's own answers).
            sink_urls={"chargehq": self.receiver.url, "pvoutput": self.pvoutput.url},
        )
        self.handler = app.build_handler(self.wiring)
        return self

    def _enter(self, cm: Any) -> Any:
        value = cm.__enter__()
        self._exits.append(cm)
        return value

    def __exit__(self, *exc: Any) -> None:
        for cm in reversed(self._exits):
            cm.__exit__(None, None, None)

    # --- driving -------------------------------------------------------------------------
    def run(self, *, timeout_seconds: float = 60.0) -> ObservedRun:
        """One scheduled invocation of the real handler. Only BridgeErrors may escape it."""
        calls_before, pushes_before = len(self.emulator.calls), len(self.receiver.pushes)
        returned, error = None, None
        # Lambda's context, duck-typed: what the handler uses of Powertools' LambdaContext.
        context: Any = LambdaContext(self.clock, timeout_seconds)
        try:
            returned = self.handler(scheduled_event(self.clock), context)
        except BridgeError as exc:
            error = exc
        # Each request of this run handled at this run's time, and counted as this run's.
        for served in (self.emulator, self.receiver, self.hass, self.pvoutput):
            served.settle()
        calls = self.emulator.calls[calls_before:]
        return ObservedRun(
            returned=returned,
            error=error,
            logins=sum(1 for c in calls if c.interface == "login"),
            calls=calls,
            pushes=self.receiver.pushes[pushes_before:],
            result=self.wiring.last_result,
        )

    def next_run(self, seconds: float = SCHEDULE_SECONDS) -> ObservedRun:
        self.clock.advance(seconds)
        return self.run()

    def cold_start(self) -> None:
        """A new Lambda container: nothing survives but what is in SSM."""
        self.wiring = self.wiring.fresh()
        self.handler = self.app.build_handler(self.wiring)

    def set_secret(self, secret: dict[str, Any] | str) -> None:
        seed_secret(secret)

    def state_text(self) -> str | None:
        ssm = boto3.client("ssm", region_name=REGION)
        try:
            found = ssm.get_parameter(Name=STATE_PARAMETER, WithDecryption=True)
            return str(found["Parameter"]["Value"])
        except ssm.exceptions.ParameterNotFound:
            return None

    def put_state_text(self, text: str) -> None:
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=STATE_PARAMETER, Value=text, Type="SecureString", Overwrite=True
        )


def _first_plant(scenario: dict[str, Any]) -> str:
    """STATION when the scenario names none: its first plant, as a user would pick it."""
    stations = scenario.get("stations") or []
    first = stations[0] if stations else {}
    return first.get("plantName") or first.get("plantCode") or "Home"
