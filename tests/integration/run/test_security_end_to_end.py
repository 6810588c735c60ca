"""Security checks that run in `make test` (the template's IAM: tests/infrastructure).

- TLS verification is never off: the sessions the handler's clients build verify, and an
  https server whose certificate no trusted CA signed makes each client raise its typed
  "unavailable" error (a trusted copy of the same certificate works: the check is real).
- The local token file is created readable by its owner only, whatever the umask.
- What leaves a failed run (the failure-queue record Lambda writes: the event plus
  errorMessage, errorType and stackTrace of the raised error) and the metrics the handler
  prints carry no secret: no password, API key or session token.
"""

import datetime
import ipaddress
import json
import os
import ssl
import stat
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.clock import Deadline, SystemClock
from fusioncharge.errors import (
    AccountLocked,
    BridgeError,
    ChargeHqRejected,
    ChargeHqUnavailable,
    CredentialsRejected,
    FusionSolarUnavailable,
    SecretError,
    StateError,
)
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.settings.environment import load_settings
from fusioncharge.sinks import registry
from fusioncharge.sinks.chargehq import ChargeHqClient, ChargeHqSink
from fusioncharge.state import FileStateStore, InMemoryStateStore, State
from tests.support.aws_faults import answer_with_error
from tests.support.run_checks import LogCapture, RunLog, library_logging_restored
from tools.local.lambda_env import scheduled_event
from tools.local.site import Site, worked_example_scenario

SYSTEM_CODE = "Sec-Sys-C0de-2718"
WRONG_SYSTEM_CODE = "Sec-Wrong-C0de-1618"
API_KEY = "7c4e2a9b-1d3f-4e5a-8b6c-9d0e1f2a3b4c"
ENV = {"STATION": "Home", "SECRET_ID": "arn:secret", "STATE_PARAMETER": "/stack/state"}


@pytest.fixture(scope="module", autouse=True)
def _library_logging() -> Iterator[None]:
    with library_logging_restored():
        yield


# --- TLS ------------------------------------------------------------------------------------
@dataclass
class Pki:
    ca: Path  # the certificate a client would have to trust
    cert: Path
    key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_pki(folder: Path) -> Pki:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("test CA nobody trusts"))
        .issuer_name(_name("test CA nobody trusts"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    pki.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pki


class _Handler(BaseHTTPRequestHandler):
    """Answers like FusionSolar's login and ChargeHQ's push: 200, JSON, a token header."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests += 1  # type: ignore[attr-defined]
        body = b'{"success":true,"data":null,"failCode":0,"params":null,"message":null}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("xsrf-token", "x-tls-token")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@dataclass
class TlsServer:
    url: str
    pki: Pki
    server: ThreadingHTTPServer

    @property
    def requests(self) -> int:
        return self.server.requests  # type: ignore[attr-defined]


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    pki = _write_pki(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert, pki.key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = 0  # type: ignore[attr-defined]
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield TlsServer(f"https://127.0.0.1:{server.server_address[1]}", pki, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _handler_clients(base_url: str, push_url: str) -> tuple[FusionSolarClient, ChargeHqClient]:
    """The clients exactly as the deployed handler builds them."""
    import app

    settings = load_settings(
        {**ENV, "FUSIONSOLAR_BASE_URL": base_url, "CHARGEHQ_PUSH_URL": push_url}
    )
    deadline = Deadline.after(SystemClock(), 30)
    fusionsolar = app.Wiring().fusionsolar_factory(settings, deadline)(
        Credentials("tls-user", SYSTEM_CODE), InMemoryStateStore()
    )
    sink = registry.kind("chargehq").build(
        app.Wiring().sinks_context(settings), {"chargehq_api_key": API_KEY}
    )
    assert isinstance(sink, ChargeHqSink)
    return fusionsolar, sink.client(deadline)


def test_the_handlers_clients_verify_tls():
    fusionsolar, _ = _handler_clients(
        "https://eu5.fusionsolar.huawei.com", "https://api.chargehq.net/api/public/push-solar-data"
    )
    assert fusionsolar.session.verify is True  # the sinks' funnel: the unknown-CA test below


def _trust(monkeypatch: pytest.MonkeyPatch, ca: Path) -> None:
    """Trust the test CA the way requests lets a user do it (its CA bundle variables)."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.setenv(name, str(ca))


def test_an_unknown_ca_makes_the_fusionsolar_client_unavailable(tls_server, monkeypatch):
    fusionsolar, _ = _handler_clients(tls_server.url, tls_server.url + "/push")
    with pytest.raises(FusionSolarUnavailable, match="TLS verification") as caught:
        fusionsolar.list_plants()  # logs in first: the password must not go out
    assert tls_server.requests == 0
    assert SYSTEM_CODE not in str(caught.value)
    # The same server, its CA trusted: the client logs in. So the refusal was verification.
    _trust(monkeypatch, tls_server.pki.ca)
    fusionsolar, _ = _handler_clients(tls_server.url, tls_server.url + "/push")
    fusionsolar.auth.ensure_token()
    assert fusionsolar.state.token == "x-tls-token" and tls_server.requests == 1


def test_an_unknown_ca_makes_the_chargehq_client_unavailable(tls_server, monkeypatch):
    _, chargehq = _handler_clients(tls_server.url, tls_server.url + "/push")
    with pytest.raises(ChargeHqUnavailable, match="could not be verified") as caught:
        chargehq.push_site_meters(SiteMeters(production_kw=1.0))
    assert tls_server.requests == 0
    assert API_KEY not in str(caught.value)
    _trust(monkeypatch, tls_server.pki.ca)
    _, chargehq = _handler_clients(tls_server.url, tls_server.url + "/push")
    chargehq.push_site_meters(SiteMeters(production_kw=1.0))
    assert tls_server.requests == 1


# --- the local token file ----------------------------------------------------------------------
def test_the_token_file_is_private_even_under_an_open_umask(tmp_path):
    old = os.umask(0)
    try:
        path = tmp_path / "new" / "state.json"
        FileStateStore(path).save(State(token="x-file-token", token_issued_at=1.0))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- what leaves a failed run ----------------------------------------------------------------
def failure_record(event: dict[str, Any], error: BaseException) -> dict[str, Any]:
    """What Lambda sends to the failure destination for a run that raised `error`."""
    return {
        "version": "1.0",
        "timestamp": "2026-11-22T12:00:00.000Z",
        "requestContext": {
            "requestId": "e4b46cbf-0000-4000-8000-a18cdf61200e",
            "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:poller:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 1,
        },
        "requestPayload": event,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": "e4b46cbf-0000-4000-8000-a18cdf61200e",
            "stackTrace": traceback.format_exception(error),
        },
    }


def _failing_runs(site: Site, runs: RunLog) -> None:
    """A good run, then failures whose errors could most easily carry a secret."""
    good = {**site.secret}
    assert runs.run().error is None
    site.receiver.fault_next("http_400")  # the reply echoes the request, API key and all
    assert isinstance(runs.run(advance=300).error, ChargeHqRejected)
    site.receiver.fault_next("timeout")
    assert isinstance(runs.run(advance=300).error, ChargeHqUnavailable)
    site.emulator.fault_next("getDevRealKpi", "truncated_json")  # the excerpt quotes the body
    assert isinstance(runs.run(advance=300).error, FusionSolarUnavailable)
    runs.set_secret({**good, "fusionsolar_system_code": WRONG_SYSTEM_CODE})
    site.emulator.expire_tokens()
    assert isinstance(runs.run(advance=300).error, CredentialsRejected)
    assert isinstance(runs.run(advance=300).error, AccountLocked)
    site.set_secret(f"fusionsolar_system_code: {SYSTEM_CODE}, chargehq_api_key: {API_KEY}")
    assert isinstance(runs.run(advance=300).error, SecretError)  # not JSON, quoting secrets
    runs.set_secret({**good, "fusionsolar_system_code": "REPLACE_ME"})
    assert isinstance(runs.run(advance=300).error, SecretError)
    runs.set_secret(good)
    answer_with_error(site.wiring.aws_client("ssm"), "PutParameter", "AccessDeniedException")
    assert isinstance(runs.run(advance=300).error, StateError)


def test_failure_records_and_metrics_carry_no_secret():
    scenario = worked_example_scenario()
    scenario["credentials"] = {"username": "sec-user", "system_code": SYSTEM_CODE}
    scenario["chargehq_api_key"] = API_KEY
    with (
        Site(scenario, settings={"POWERTOOLS_LOG_LEVEL": "DEBUG"}) as site,
        LogCapture(site.app) as logs,
    ):
        runs = RunLog(site)
        _failing_runs(site, runs)
        records = [
            failure_record(scheduled_event(site.clock), run.error)
            for run in runs.runs
            if isinstance(run.error, BridgeError)
        ]
    secrets = runs.secrets()
    assert {SYSTEM_CODE, WRONG_SYSTEM_CODE, API_KEY} <= set(secrets) and len(secrets) > 3
    assert len(records) == len(runs.runs) - 1
    metrics = logs.emf_lines()
    assert len(metrics) == len(runs.runs), "one EMF metrics object per run"
    assert sum(m.get("Failures", [0])[0] for m in metrics) == len(records)
    dumped_records, dumped_metrics = json.dumps(records), json.dumps(metrics)
    for secret in secrets:
        assert secret not in dumped_records, "a secret in a failure-queue record"
        assert secret not in dumped_metrics, "a secret in the metrics"
        assert secret not in logs.text, "a secret in the logs"
