"""Every fault at every place the poller depends on, through the real handler (tools/local/site.py).

Each cell injects one fault into one run of a whole site on loopback (FusionSolar emulator,
ChargeHQ receiver, moto) and asserts the outcome written down in EXPECTED, then what the next
run does, then the invariants of every run (tests/integration/run_checks.py).

Outcomes:
- RETRIED: the run still pushed the site meters, because the faulted call was made again
  (a 5xx retried once, a session ended by FusionSolar answered with one new login);
- HARMLESS: the run pushed the site meters and the fault changed nothing (ChargeHQ answered
  2xx with an odd body; a missing state parameter is a first run);
- ERROR_PUSH: the run raised a typed error and told ChargeHQ (an `error` push) first;
- RAISED: the run raised a typed error only (nothing trustworthy to tell ChargeHQ, no API key,
  or the push itself failed).
- PUSHED_RAISED: the readings were good and pushed, then the run raised: nothing is lost, and it
  is not silent (a state save lost after the readings; tests/integration/aws/test_hiccups.py).
Next run: RECOVERS (pushes site meters again) or GUARDED (no login for 30 minutes because
FusionSolar rejected the credentials; the run after the guard recovers).

As in a real deployment, calls to FusionSolar take time (a round trip of LATENCY on the
emulator's clock) and the schedule fires up to JITTER seconds early or late: in each cell one
of the two runs after the first comes early and the other late (seeded by the cell).
"""

import contextlib
import os
import random
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from fusioncharge.errors import (
    BridgeError,
    ChargeHqRejected,
    ChargeHqUnavailable,
    CredentialsRejected,
    FusionSolarUnavailable,
    QuotaExceeded,
    ReadingsIncomplete,
    SecretError,
    StateError,
    UnexpectedResponse,
)
from tests.support.aws_faults import answer_with_error
from tests.support.run_checks import (
    GUARD_SECONDS,
    WORKED_EXAMPLE_METERS,
    LogCapture,
    Run,
    RunLog,
    library_logging_restored,
)
from tools.local.lambda_env import REGION, STATE_PARAMETER, seed_secret
from tools.local.site import Site, worked_example_scenario

SCHEDULE, JITTER, LATENCY = 300.0, 3.0, 0.3  # seconds
RETRIED, HARMLESS, ERROR_PUSH, RAISED = "retried", "harmless", "error push", "raised"
PUSHED_RAISED = "pushed, then raised"
RECOVERS, GUARDED = "recovers", "guarded"
SYSTEM_CODE = "Sys-C0de-kq2-Secret"  # distinctive, so a leak anywhere is found
API_KEY = "5e3c9a1b-7d2f-4c6e-9a8b-0f1e2d3c4b5a"

UNAVAILABLE = (ERROR_PUSH, FusionSolarUnavailable, RECOVERS)
QUOTA = (ERROR_PUSH, QuotaExceeded, RECOVERS)
UNEXPECTED = (ERROR_PUSH, UnexpectedResponse, RECOVERS)
REJECTED = (ERROR_PUSH, CredentialsRejected, GUARDED)


def _fusionsolar_row(**overrides: tuple) -> dict[str, tuple]:
    """The faults of one FusionSolar call made after this run's login."""
    row = {
        "http_500": (RETRIED, None, RECOVERS),  # urllib3 retries a 5xx once (not for login)
        "http_403_quota": QUOTA,
        "http_429": QUOTA,
        "timeout": UNAVAILABLE,
        "html": UNAVAILABLE,
        "empty_body": UNAVAILABLE,
        "truncated_json": UNAVAILABLE,
        "fail_code 305": UNEXPECTED,  # the run already logged in once: no second login
        "fail_code 401": UNEXPECTED,
        "fail_code 407": QUOTA,
        "fail_code 20400": UNEXPECTED,
        "fail_code 20006": UNEXPECTED,
    }
    return row | overrides


@pytest.fixture(scope="module", autouse=True)
def _library_logging() -> Iterator[None]:
    with library_logging_restored():
        yield


# cell (where, fault) -> (outcome of the faulted run, its error, what the next run does)
EXPECTED: dict[tuple[str, str], tuple[str, type[BridgeError] | None, str]] = {
    # FusionSolar login, in the first run (never retried: a retry could count a wrong password).
    ("login", "http_500"): UNAVAILABLE,
    ("login", "http_403_quota"): QUOTA,
    ("login", "http_429"): QUOTA,
    ("login", "timeout"): UNAVAILABLE,
    ("login", "html"): UNAVAILABLE,
    ("login", "empty_body"): REJECTED,  # how FusionSolar says "wrong password"
    ("login", "truncated_json"): UNAVAILABLE,
    ("login", "fail_code 305"): UNEXPECTED,
    ("login", "fail_code 401"): UNEXPECTED,
    ("login", "fail_code 407"): QUOTA,
    ("login", "fail_code 20400"): REJECTED,
    ("login", "fail_code 20006"): UNEXPECTED,
    # Reply shapes a wrong password may take one day: each counts as a refused login (one of
    # the guard's two in 10 minutes), so the next run still logs in and recovers.
    ("login", "fail_code 20001"): REJECTED,
    ("login", "fail_code 20003"): REJECTED,
    ("login", "fail_code 31337"): UNEXPECTED,
    ("login", "success_false"): UNEXPECTED,
    ("login", "empty_object"): UNEXPECTED,
    ("login", "http_401"): UNEXPECTED,
    ("login", "http_403"): QUOTA,
    # Plant and device discovery, in the first run (cached afterwards).
    **{("stations", fault): want for fault, want in _fusionsolar_row().items()},
    **{("getDevList", fault): want for fault, want in _fusionsolar_row().items()},
    # Real-time readings in the first run (right after its login) ...
    # (a 5xx is not retried: Huawei may have counted the call, and a second one is a 407)
    **{
        ("getDevRealKpi, first run", f): want
        for f, want in _fusionsolar_row(http_500=UNAVAILABLE).items()
    },
    # ... and in a later run on the cached token, where a 305 gets the run's one login.
    **{
        ("getDevRealKpi", fault): want
        for fault, want in _fusionsolar_row(
            **{"fail_code 305": (RETRIED, None, RECOVERS), "http_500": UNAVAILABLE}
        ).items()
    },
    # The ChargeHQ push (a later run). 2xx is success whatever the body; one retry on 5xx.
    ("chargehq", "http_500"): (RETRIED, None, RECOVERS),
    ("chargehq", "http_403_quota"): (RAISED, ChargeHqRejected, RECOVERS),
    ("chargehq", "http_429"): (RAISED, ChargeHqRejected, RECOVERS),
    ("chargehq", "timeout"): (RAISED, ChargeHqUnavailable, RECOVERS),  # not retried
    ("chargehq", "html"): (HARMLESS, None, RECOVERS),
    ("chargehq", "empty_body"): (HARMLESS, None, RECOVERS),
    ("chargehq", "truncated_json"): (HARMLESS, None, RECOVERS),
    ("chargehq", "http_400"): (RAISED, ChargeHqRejected, RECOVERS),
    ("chargehq", "http_401"): (RAISED, ChargeHqRejected, RECOVERS),
    # ChargeHQ gone for a moment: still chargehq_rejected (gone takes a day: test_sinks.py)
    ("chargehq", "http_404"): (RAISED, ChargeHqRejected, RECOVERS),
    ("chargehq", "http_410"): (RAISED, ChargeHqRejected, RECOVERS),
    # The SSM state parameter (a later run). A state that cannot be kept fails the run, so
    # that the token and the quota pacing are never lost silently.
    ("ssm parameter", "missing"): (HARMLESS, None, RECOVERS),  # a first run: logs in again
    ("ssm parameter", "GetParameter AccessDeniedException"): (RAISED, StateError, RECOVERS),
    ("ssm parameter", "GetParameter ThrottlingException"): (RAISED, StateError, RECOVERS),
    # A state that cannot be saved before the readings: no readings (the next run could not
    # know their time), ChargeHQ is told. A save lost after them: see test_aws_hiccups.py.
    ("ssm parameter", "PutParameter AccessDeniedException"): (ERROR_PUSH, StateError, RECOVERS),
    ("ssm parameter", "PutParameter ThrottlingException"): (ERROR_PUSH, StateError, RECOVERS),
    # The secret (a later run: each run reads it as it starts).
    ("secret", "missing"): (RAISED, SecretError, RECOVERS),
    ("secret", "not JSON"): (RAISED, SecretError, RECOVERS),
    ("secret", "placeholders"): (RAISED, SecretError, RECOVERS),
    ("secret", "placeholders, API key filled in"): (ERROR_PUSH, SecretError, RECOVERS),
    ("secret", "GetSecretValue AccessDeniedException"): (RAISED, SecretError, RECOVERS),
    ("secret", "GetSecretValue ThrottlingException"): (RAISED, SecretError, RECOVERS),
    # Readings that arrive but hold unknown values: never a made-up zero.
    ("readings", "inverter power N/A while producing"): (ERROR_PUSH, ReadingsIncomplete, RECOVERS),
    ("readings", "battery power null"): (ERROR_PUSH, ReadingsIncomplete, RECOVERS),
}

FUSIONSOLAR_FIRST_RUN = {"login", "stations", "getDevList", "getDevRealKpi, first run"}
PLACEHOLDER = "REPLACE_ME"


def matrix_scenario() -> dict[str, Any]:
    scenario = worked_example_scenario()
    scenario["credentials"] = {"username": "matrix-user", "system_code": SYSTEM_CODE}
    scenario["chargehq_api_key"] = API_KEY
    return scenario


# --- injecting the faults ------------------------------------------------------------------
def _fault_kind(fault: str) -> tuple[str, int | None]:
    if fault.startswith("fail_code "):
        return "fail_code", int(fault.split()[1])
    return fault, None


def inject_fusionsolar(site: Site, interface: str, fault: str) -> None:
    kind, code = _fault_kind(fault)
    site.emulator.fault_next(interface, kind, code)


def inject_ssm(site: Site, fault: str) -> None:
    if fault == "missing":
        boto3.client("ssm", region_name=REGION).delete_parameter(Name=STATE_PARAMETER)
        return
    operation, code = fault.split()
    answer_with_error(site.wiring.aws_client("ssm"), operation, code)  # the handler's warm client


def inject_secret(site: Site, fault: str) -> None:
    if fault == "missing":
        client = boto3.client("secretsmanager", region_name=REGION)
        client.delete_secret(SecretId=site.secret_arn, ForceDeleteWithoutRecovery=True)
    elif fault == "not JSON":
        site.set_secret("fusionsolar_username=matrix-user")
    elif fault == "placeholders":
        site.set_secret(dict.fromkeys(site.secret, PLACEHOLDER))
    elif fault == "placeholders, API key filled in":
        site.set_secret({**dict.fromkeys(site.secret, PLACEHOLDER), "chargehq_api_key": API_KEY})
    else:
        operation, code = fault.split()
        provider = site.wiring.secret_source.provider  # Powertools' SecretsProvider
        answer_with_error(provider.client, operation, code)


def heal_aws(site: Site) -> None:
    """The user fixed it: the secret holds good values again; a new container has new clients."""
    site.secret_arn = seed_secret(site.secret)  # a deleted secret comes back with a new ARN
    os.environ["SECRET_ID"] = site.secret_arn  # Site restores the environment on exit
    site.cold_start()


def unknown_reading_scenario(fault: str) -> dict[str, Any]:
    scenario = matrix_scenario()
    if fault == "inverter power N/A while producing":
        items = scenario["kpis"]["38"][0]["dataItemMap"]
        assert items["inverter_state"] == 512  # grid-connected: N/A is unknown, not an idle 0
        items["active_power"] = "N/A"
    else:
        scenario["kpis"]["39"][0]["dataItemMap"]["ch_discharge_power"] = None
    return scenario


# --- what a run did -----------------------------------------------------------------------
def outcome_of(run: Run, where: str) -> str:
    if run.error is not None and run.pushed_site_meters:
        return PUSHED_RAISED
    if run.error is not None:
        return ERROR_PUSH if run.told_chargehq else RAISED
    return RETRIED if _repeated(run, where) else HARMLESS


def _repeated(run: Run, where: str) -> bool:
    """Did the run make the faulted call again (a retry, or the call after a new login)?"""
    if where == "chargehq":
        return len(run.outcome.pushes) == 2
    interface = where.split(",")[0]
    return where in FUSIONSOLAR_FIRST_RUN | {"getDevRealKpi"} and (
        run.outcome.calls_to(interface) > _normal_calls(interface)
    )


def _normal_calls(interface: str) -> int:
    return 3 if interface == "getDevRealKpi" else 1  # one call per device type


def fault_was_served(run: Run, where: str, fault: str) -> bool:
    kind, code = _fault_kind(fault)
    if where == "chargehq":
        return any(p.fault == kind for p in run.outcome.pushes)
    interface = where.split(",")[0]
    return any(
        c.interface == interface
        and (c.outcome == f"fault:{kind}" or (kind == "fail_code" and c.fail_code == code))
        for c in run.outcome.calls
    )


# --- the matrix ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared_site() -> Iterator[Site]:
    settings = {"POWERTOOLS_LOG_LEVEL": "DEBUG"}
    with Site(matrix_scenario(), settings=settings, latency=LATENCY) as site:
        yield site


@pytest.fixture
def site(shared_site: Site) -> Site:
    """A new deployment on the shared site (one Site per cell would double the file's time):
    a day later (FusionSolar's windows and daily caps start afresh), no state in SSM, a new
    container, the good secret, the plant's usual readings."""
    shared_site.clock.advance(24 * 3600)
    shared_site.emulator.expire_tokens()
    shared_site.emulator.scenario["kpis"] = matrix_scenario()["kpis"]
    ssm = boto3.client("ssm", region_name=REGION)
    with contextlib.suppress(ssm.exceptions.ParameterNotFound):
        ssm.delete_parameter(Name=STATE_PARAMETER)
    heal_aws(shared_site)
    return shared_site


def _cell_id(cell: tuple[str, str]) -> str:
    return f"{cell[0]} | {cell[1]}".replace(" ", "-")


def _intervals(cell: tuple[str, str]) -> tuple[float, float]:
    """Seconds before the faulted run (when it is not the first) and before the next one: one
    early and one late, by up to JITTER, in an order and by amounts seeded by the cell."""
    rng = random.Random(zlib.crc32(_cell_id(cell).encode()))
    sign = rng.choice((-1, 1))
    early_or_late = [sign * rng.uniform(0.1, JITTER), -sign * rng.uniform(0.1, JITTER)]
    return SCHEDULE + early_or_late[0], SCHEDULE + early_or_late[1]


def test_the_schedule_jitters_both_ways_across_the_matrix() -> None:
    offsets = [t - SCHEDULE for cell in EXPECTED for t in _intervals(cell)]
    assert all(0 < abs(o) <= JITTER for o in offsets)
    assert min(offsets) < -JITTER / 2 and max(offsets) > JITTER / 2


@pytest.mark.parametrize("cell", list(EXPECTED), ids=_cell_id)
def test_fault_cell(site: Site, cell: tuple[str, str]) -> None:
    where, fault = cell
    want_outcome, want_error, want_next = EXPECTED[cell]
    to_faulted, to_next = _intervals(cell)
    if where == "readings":
        site.emulator.scenario["kpis"] = unknown_reading_scenario(fault)["kpis"]
    with LogCapture(site.app) as logs:
        runs = RunLog(site, truth=WORKED_EXAMPLE_METERS)
        faulted = _faulted_run(site, runs, where, fault, to_faulted)
        runs.check_invariants(logs.text)  # first the promises, then the expected outcome
        described = f"{where} / {fault}: {outcome_of(faulted, where)}, {faulted.error!r}"
        assert outcome_of(faulted, where) == want_outcome, described
        if want_error is None:
            assert faulted.error is None, described
        else:
            assert isinstance(faulted.error, want_error), described
        if where in FUSIONSOLAR_FIRST_RUN | {"getDevRealKpi", "chargehq"}:
            assert fault_was_served(faulted, where, fault), "the fault was never served"
        _next_runs(site, runs, where, want_next, to_next)
    runs.check_invariants(logs.text)


def _faulted_run(site: Site, runs: RunLog, where: str, fault: str, advance: float) -> Run:
    """Inject the fault where it belongs and make the run it hits."""
    if where in FUSIONSOLAR_FIRST_RUN:
        inject_fusionsolar(site, where.split(",")[0], fault)
        return runs.run()
    if where == "readings":  # the scenario itself holds the unknown value
        return runs.run()
    first = runs.run()
    assert first.pushed_site_meters and first.error is None, "the run before the fault failed"
    inject: Callable[[], None] = {
        "getDevRealKpi": lambda: inject_fusionsolar(site, "getDevRealKpi", fault),
        "chargehq": lambda: site.receiver.fault_next(fault),
        "ssm parameter": lambda: (inject_ssm(site, fault), runs.forget_state()),
        "secret": lambda: inject_secret(site, fault),
    }[where]
    inject()
    return runs.run(advance=advance)


def _next_runs(site: Site, runs: RunLog, where: str, want_next: str, advance: float) -> None:
    if where in ("ssm parameter", "secret"):
        heal_aws(site)
    if where == "readings":
        # The plant reports again: the next reading is complete.
        site.emulator.scenario["kpis"] = worked_example_scenario()["kpis"]
    after = runs.run(advance=advance)
    if want_next == RECOVERS:
        assert after.error is None and after.pushed_site_meters, f"next run: {after.error!r}"
        return
    assert after.guard_before and after.told_chargehq, f"next run not guarded: {after.error!r}"
    assert after.outcome.logins == 0, "logged in while the guard held"
    later = runs.run(advance=GUARD_SECONDS)  # the guard has run out: one login, and it works
    assert later.error is None and later.outcome.logins == 1, f"after the guard: {later.error!r}"


def test_every_fault_kind_is_in_the_matrix() -> None:
    """Nothing of the scenario format or the AWS side is left out of EXPECTED."""
    from emulator.faults import LOGIN_FAULTS, TRANSPORT_FAULTS
    from emulator.receivers.chargehq import PUSH_FAULT_KINDS as CHARGEHQ_KINDS

    fail_codes = {f"fail_code {c}" for c in (305, 401, 407, 20400, 20006)}
    for where in ("login", "stations", "getDevList", "getDevRealKpi"):
        faults = {f for w, f in EXPECTED if w == where}
        login_only = LOGIN_FAULTS | {f"fail_code {c}" for c in (20001, 20003, 31337)}
        assert faults == TRANSPORT_FAULTS | fail_codes | (login_only if where == "login" else set())
    assert {f for w, f in EXPECTED if w == "chargehq"} == CHARGEHQ_KINDS
    aws = {f for w, f in EXPECTED if w in ("ssm parameter", "secret")}
    for fault in ("missing", "not JSON", "placeholders"):
        assert fault in aws
    for code in ("AccessDeniedException", "ThrottlingException"):
        assert any(code in f for f in aws), code


def test_login_restricted_just_as_the_secret_changed_still_logs_in_once(site: Site) -> None:
    """FusionSolar answers the run's one login with 20403 just as the secret changed: the run
    has had its login, and never makes a second one."""
    with LogCapture(site.app) as logs:
        runs = RunLog(site, truth=WORKED_EXAMPLE_METERS)
        runs.run()
        site.emulator.set_password("New-Sys-C0de-77")  # changed at Huawei and in the console
        runs.set_secret({**site.secret, "fusionsolar_system_code": "New-Sys-C0de-77"})
        site.emulator.expire_tokens()  # FusionSolar ends the session: the next call needs a login
        site.emulator.fault_next("login", "fail_code", 20403)
        restricted = runs.run(advance=290)
        assert restricted.outcome.logins == 1, "a second login in the same run"
        assert restricted.error is not None
    runs.check_invariants(logs.text)
