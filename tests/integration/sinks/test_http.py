"""The receivers' one HTTP funnel (sinks/http.py) against real sockets on loopback: TLS checked
(a certificate nobody vouches for gets nothing), HTTPS retried like HTTP, a reply read only up
to its excerpt, a reply broken off midway quoted as far as it came, an unreachable receiver
named by its host."""

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from emulator.clock import FakeClock
from fusioncharge.clock import Deadline
from fusioncharge.errors import HassUnavailable
from fusioncharge.sinks.http import EXCERPT_MAX_CHARS, post


class _Script(http.server.BaseHTTPRequestHandler):
    """Answers each POST with the server's next scripted (status, body, declared length)."""

    server: "_Receiver"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        owner = self.server
        owner.requests += 1
        status, body, length = owner.script.pop(0) if owner.script else (200, b"ok", None)
        self.send_response(status)
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        try:
            for start in range(0, len(body), 64 * 1024):
                self.wfile.write(body[start : start + 64 * 1024])
            owner.outcome = "sent whole"
        except (BrokenPipeError, ConnectionResetError):
            owner.outcome = "client hung up"
        finally:
            owner.done.set()
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


class _Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Script)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.script: list[tuple[int, bytes, int | None]] = []
        self.requests = 0
        self.outcome = ""
        self.done = threading.Event()
        self.scheme = "https" if tls else "http"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a refused TLS handshake is the point of one test

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}/api/webhook/abc"


def _serve(receiver: _Receiver) -> Iterator[_Receiver]:
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: no CA on this machine vouches for it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def https_receiver(certificate: tuple[Path, Path]) -> Iterator[_Receiver]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    yield from _serve(_Receiver(context))


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    yield from _serve(_Receiver())


def _post(url: str, *, retry: bool = False):
    clock = FakeClock()
    return post(
        url,
        b'{"production_kw": 1.2}',
        {"Content-Type": "application/json"},
        deadline=Deadline(clock, clock.now() + 30.0),
        timeout=5.0,
        secrets=["abc"],
        unavailable=HassUnavailable,
        what="Home Assistant",
        retry=retry,
        hint="check the URL",
    )


def test_a_receiver_whose_certificate_nobody_vouches_for_gets_nothing(https_receiver):
    with pytest.raises(
        HassUnavailable, match=r"TLS certificate of 127\.0\.0\.1 could not be verified"
    ):
        _post(https_receiver.url)
    assert https_receiver.requests == 0


def test_https_is_retried_once_after_a_5xx_as_http_is(https_receiver, certificate, monkeypatch):
    """The same one retry on both schemes: the real receivers are all HTTPS."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))  # this test vouches for it
    https_receiver.script = [(503, b"busy", None), (200, b"ok", None)]
    reply = _post(https_receiver.url, retry=True)
    assert (reply.status, https_receiver.requests) == (200, 2)


def test_without_retry_a_5xx_is_the_answer(receiver):
    receiver.script = [(503, b"busy", None), (200, b"ok", None)]
    reply = _post(receiver.url, retry=False)
    assert (reply.status, reply.excerpt, receiver.requests) == (503, "busy", 1)


def test_a_reply_is_read_only_as_far_as_its_excerpt(receiver):
    """A receiver answering 32 MB is not read to the end: the excerpt is all we keep."""
    receiver.script = [(400, b"refused: " + b"x" * (32 << 20), None)]
    reply = _post(receiver.url)
    assert reply.status == 400
    assert len(reply.excerpt) == EXCERPT_MAX_CHARS and reply.excerpt.endswith("…")
    assert reply.excerpt.startswith("refused: xxx")
    assert receiver.done.wait(60)
    assert receiver.outcome == "client hung up"


def test_a_reply_broken_off_midway_is_quoted_as_far_as_it_came(receiver):
    receiver.script = [(400, b"bad key abc for this webhook!", 10_000)]  # 29 bytes of 10000
    reply = _post(receiver.url)
    assert reply.status == 400
    assert reply.excerpt == "bad key *** for this webhook!"


def test_a_receiver_that_cannot_be_reached_is_named_by_its_host_not_its_url():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(HassUnavailable) as caught:
        _post(f"http://127.0.0.1:{port}/api/webhook/abc")
    assert "could not reach Home Assistant at 127.0.0.1 (" in str(caught.value)
    assert "/api/webhook" not in str(caught.value)
    assert str(caught.value).endswith("; check the URL")
