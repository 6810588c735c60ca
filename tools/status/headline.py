"""`make status`'s headline: one of four words, decided from facts alone, and its exit code.

WORKING only when the last run pushed site meters after the secret's last edit, which proves
every credential that run used, no credential check disproves one, and every configured
receiver received something in the last 30 minutes (Home Assistant: its webhook confirmed).
One passing failure right after pushes (FusionSolar or a receiver not answering once) is a
blip: still WORKING, with the blip named. NOT WORKING when something is wrong now, naming the
receiver that received nothing, with the one thing to do. CHECKING while the proof is still to come
(no run since the edit, or one that waited for Huawei's window), with the run that will tell.
NOT DEPLOYED when there is no stack. The exit code follows the headline, so scripts can wait.
"""

from dataclasses import dataclass, field

WORKING, CHECKING, NOT_WORKING, NOT_DEPLOYED = "WORKING", "CHECKING", "NOT WORKING", "NOT DEPLOYED"
EXIT_CODES = {WORKING: 0, NOT_WORKING: 1, CHECKING: 3, NOT_DEPLOYED: 4}
CANNOT_TELL = 2  # no AWS access, no region, no network: nothing could be looked at

# What to do about a run's error code (docs/troubleshooting.md says more about each).
TO_DO = {
    "secret": "fill in the secret (link below)",
    "credentials_rejected": "fix fusionsolar_username / fusionsolar_system_code in the secret",
    "login_blocked": "fix the secret; the guard lets the next login through within 30 minutes",
    "plant_not_found": "set Station to one of your plants (make discover LIVE=1 lists them)",
    "api_access_off": "the plant owner turns Access to API back on in the FusionSolar app",
    "chargehq_rejected": "fix chargehq_api_key in the secret",
    "fusionsolar_unavailable": "nothing: FusionSolar is not answering; the next runs try again",
    "chargehq_unavailable": "nothing: ChargeHQ is not answering; the next runs try again",
    "chargehq_gone": "ChargeHQ's push API is gone: put the other receivers' keys in the secret, "
    "then make deploy SET=Sinks=hass,pvoutput (README 'Where the readings go')",
    "hass_rejected": "check hass_webhook_url in the secret (Home Assistant refused it)",
    "hass_webhook_unknown": "load the package under the id that ends hass_webhook_url (the "
    "packages: line, secrets.yaml, a restart, reachable from the internet; "
    "docs/troubleshooting.md)",
    "hass_unavailable": "nothing if Home Assistant is only restarting; else check it is reachable",
    "pvoutput_rejected": "fix pvoutput_api_key / pvoutput_system_id (PVOutput's reason above)",
    "pvoutput_date_refused": "set your plant's time zone: make deploy "
    "SET=PlantTimezone=<Area/City> (docs/troubleshooting.md)",
    "pvoutput_unavailable": "nothing: PVOutput is not answering; the next runs try again",
    "quota_exceeded": "nothing: the next run tries again; if it persists, give this poller its "
    "own API account",
    "bad_setting": "fix the setting the message names (make deploy SET=Name=value)",
}


@dataclass
class Proof:
    """One credential's standing: proven (True), disproven (False) or not known yet (None)."""

    name: str  # "FusionSolar", "ChargeHQ", ... (one per configured credential)
    works: bool | None
    text: str  # the line shown; for a disproven one, what is wrong


@dataclass
class Facts:
    deployed: bool = True
    paused: bool = False  # Paused=true: no scheduled runs
    missing: list[str] = field(default_factory=list)  # secret keys still REPLACE_ME
    pushed_since_edit: bool = False  # a run that started after the edit pushed site meters
    last_outcome: str | None = None  # the latest run's outcome (pushed, failed, skipped)
    last_error_code: str | None = None  # ... and its error, when it failed after the edit
    proofs: list[Proof] = field(default_factory=list)
    next_run: str = "the next run"  # "the run at 14:05"
    receivers: str = "ChargeHQ"  # the sinks the stack pushes to, in the users' words
    # Configured receivers that received nothing for 30 minutes: (title, its last error code)
    silent: list[tuple[str, str | None]] = field(default_factory=list)
    blip: str | None = None  # the latest run's passing failure right after pushes: "14:05 (code)"


@dataclass
class Headline:
    word: str
    detail: str

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.word]

    def text(self) -> str:
        return f"{self.word}: {self.detail}"


def decide(facts: Facts) -> Headline:
    if not facts.deployed:
        return Headline(NOT_DEPLOYED, "no stack here yet: make deploy")
    if facts.paused:
        return Headline(NOT_WORKING, "paused: make deploy SET=Paused=false to resume")
    if facts.missing:
        return Headline(NOT_WORKING, f"fill in the secret: {', '.join(facts.missing)} (link below)")
    for proof in facts.proofs:
        if proof.works is False:
            return Headline(NOT_WORKING, f"{proof.name}: {proof.text}")
    if facts.last_error_code is not None and facts.blip is None:
        return Headline(NOT_WORKING, f"{facts.last_error_code}: {_to_do(facts.last_error_code)}")
    for title, code in facts.silent:
        why = f" ({code}): {_to_do(code)}" if code else ": see its last FAILED run in make logs"
        return Headline(NOT_WORKING, f"{title} has received nothing for 30 minutes{why}")
    if facts.pushed_since_edit and facts.blip is not None:
        return Headline(
            WORKING,
            f"your site meters reach {facts.receivers}; one failed run at {facts.blip} is a "
            "blip: the runs before pushed, the next runs try again",
        )
    if facts.pushed_since_edit and facts.last_outcome == "pushed":
        return Headline(WORKING, f"your site meters reach {facts.receivers}")
    if facts.pushed_since_edit:  # the latest run waited for Huawei's window
        return Headline(
            CHECKING, f"the last run waited for Huawei's window; {facts.next_run} reads"
        )
    if facts.proofs and all(p.works for p in facts.proofs):
        return Headline(CHECKING, f"the credentials work now; {facts.next_run} pushes with them")
    return Headline(CHECKING, f"no push since the secret's last edit yet; {facts.next_run} tells")


def _to_do(code: str) -> str:
    return TO_DO.get(code, "see docs/troubleshooting.md for this error")


def passing(code: str | None) -> bool:
    """An error that passes by itself (nothing to do): one of them after pushes is a blip."""
    return code is not None and TO_DO.get(code, "").startswith("nothing")
