"""`make status`'s own checks of the secret: one FusionSolar login (unless the lockout guard
holds) and one plant-list call, the latest reading for the sinks to take again, and this
machine's note of the token it got, so a second look needs no second login."""

import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fusioncharge.clock import Deadline, SystemClock
from fusioncharge.errors import BridgeError, PlantNotFound
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.models import Plant
from fusioncharge.plant.match import match_plants
from fusioncharge.settings.secret import SiteSecret
from fusioncharge.state.store import SsmStateStore
from tools.status.run_lines import RunLine

RECENT_READING_SECONDS = 600  # a reading this fresh may be pushed again to test the key
RUN_MAX_SECONDS = 60  # the function's Timeout in template.yaml: no run lasts longer


def try_fusionsolar(
    secret: SiteSecret,
    parameters: dict[str, str],
    outputs: dict[str, str],
    session: Any,
    edited: float,
    proof: "LoginProof",
) -> tuple[bool, str]:
    store = SsmStateStore(outputs["StateParameterName"], session.client("ssm"))
    clock = SystemClock()
    # Both filled in: _check returns before this while the secret misses a key.
    username, code = secret.fusionsolar_username or "", secret.fusionsolar_system_code or ""
    credentials = Credentials(username, code)
    try:
        # On the store, like a run: the guard saved before the login, and every save merged
        # with what a run racing this check saved (its reading times never roll back).
        client = FusionSolarClient.on_store(
            parameters["FusionSolarBaseUrl"],
            credentials,
            store,
            clock=clock,
            deadline=Deadline.after(clock, RUN_MAX_SECONDS),
        )
        try:  # under the state's lease (taken by on_store): no run reads or saves meanwhile
            issued, plants = _login_checked(client, edited, proof)
        finally:
            client.checkpoint.release()
        if issued is not None:
            return True, f"the credentials work (logged in with them at {clock_text(issued)})"
        found = match_plants(parameters["Station"], plants)
    except PlantNotFound as exc:
        return False, f"the credentials work, but {exc}"
    except BridgeError as exc:
        return False, f"{exc.code}: {exc}"
    names = ", ".join(repr(p.name) for p in found)
    which = f"plant {names}" if len(found) == 1 else f"plants {names}"
    return True, f"the credentials work now (logged in; {which} found)"


def _login_checked(
    client: FusionSolarClient, edited: float, proof: "LoginProof"
) -> tuple[float | None, list[Plant]]:
    """When the token in the state proves the credentials, its time; else one login (unless
    the guard holds) and the plant list, saved: the new token for the next run, or the guard.
    Loaded under the lease, the state holds the runs' latest reading times: none rolls back."""
    state = client.state  # loaded; no call is made before list_plants
    issued = state.token_issued_at or 0.0
    if state.token and (issued >= edited + RUN_MAX_SECONDS or proof.holds(issued)):
        return issued, []
    state.token, state.token_issued_at = None, None  # a token of the old credentials
    try:
        plants = client.list_plants()
    finally:
        client.checkpoint.save(state)
    proof.keep(state.token_issued_at)
    return None, plants


@dataclass
class LoginProof:
    """This machine's note of a token it got with a given secret version (.local/, mode 600).

    A token issued soon after an edit may come from a run that started before it (old secret);
    one that `make status` got itself is proof, so a second look needs no second login.
    """

    path: Path
    stack: str
    secret_version: str
    now: float = field(default_factory=time.time)

    def holds(self, issued: float) -> bool:
        try:
            note = json.loads(self.path.read_text(encoding="utf-8")).get(self.stack, {})
        except (OSError, ValueError):
            return False
        return bool(note == {"secret_version": self.secret_version, "token_issued_at": issued})

    def keep(self, issued: float | None) -> None:
        if issued is None:
            return
        note = {self.stack: {"secret_version": self.secret_version, "token_issued_at": issued}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(note, f)


def recent_reading(runs: list[RunLine], now: float) -> tuple[float, dict[str, float]] | None:
    pushed = [r for r in runs if r.outcome == "pushed" and r.site_meters]
    if not pushed or pushed[-1].at < now - RECENT_READING_SECONDS or not pushed[-1].site_meters:
        return None
    return pushed[-1].at, pushed[-1].site_meters


def clock_text(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone().strftime("%H:%M")
