"""Replies over the size limit are refused without being read whole.

A tiny loopback server streams an endless body (or declares a huge one) and counts the bytes
it managed to send before the client hung up. The client must give up with a typed error
after about the limit (1 MiB): bytes are measured, not time.
"""

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from emulator.clock import FakeClock
from fusioncharge.accounting.site_meters import SiteMeters
from fusioncharge.errors import ChargeHqError, FusionSolarError, UnexpectedResponse
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.sinks.chargehq import ChargeHqClient
from fusioncharge.state import InMemoryStateStore, State

LIMIT = 1 << 20  # the promise: replies over 1 MiB are refused
CAP = 64 << 20  # the server stops here: a client that reads everything gets this much
CHUNK = 16 << 10
SLACK = 1 << 20  # what loopback buffers may hold beyond what the client read


@dataclass
class EndlessServer:
    """Answers one request with `head` and then an endless body (up to CAP bytes)."""

    head: bytes
    chunked: bool = False
    sent: int = 0
    requests: int = 0
    done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> str:
        self.listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._serve, daemon=True).start()
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        finally:
            self.listener.close()
        with conn:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHUNK)  # count, not buffer
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(65536)
            self.requests += 1
            try:
                conn.sendall(self.head)
                piece = b"7" * CHUNK
                if self.chunked:
                    piece = f"{CHUNK:x}\r\n".encode() + piece + b"\r\n"
                while self.sent < CAP:
                    conn.sendall(piece)
                    self.sent += CHUNK
            except OSError:
                pass  # the client hung up: what we count is what it let us send
            finally:
                self.done.set()


HEADS = {
    "no length": b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n",
    "chunked": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n",
    "huge length": b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
    b"Content-Length: 10737418240\r\n\r\n",
    "lying length": b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n",
}


@pytest.fixture(params=sorted(HEADS))
def server(request: pytest.FixtureRequest) -> Iterator[EndlessServer]:
    yield EndlessServer(HEADS[request.param], chunked=request.param == "chunked")


def test_fusionsolar_client_gives_up_after_about_the_limit(server: EndlessServer) -> None:
    url = server.start()
    clock = FakeClock(1_700_000_060.0)
    state = State(token="x-token", token_issued_at=1_700_000_000.0)  # fresh: no login needed
    creds = Credentials("u", "Fuzz-Pass-1")
    store = InMemoryStateStore(clock=clock)
    store.save(state)
    client = FusionSolarClient.on_store(url, creds, store, clock=clock, timeouts=(2.0, 2.0))
    with pytest.raises(FusionSolarError) as caught:
        client.list_plants()
    assert server.done.wait(10), "the server is still sending: the client never hung up"
    assert server.requests == 1
    assert server.sent <= LIMIT + SLACK, f"{server.sent} bytes were sent"
    if b"Content-Length: 1000\r" not in server.head:  # 1000 bytes are read, and make no sense
        assert isinstance(caught.value, UnexpectedResponse)
        assert "KiB" in str(caught.value)


def test_chargehq_client_gives_up_after_about_the_limit() -> None:
    server = EndlessServer(HEADS["no length"])
    client = ChargeHqClient(server.start() + "/push", "0b7c2e4e-0000-4000-8000-000000000000")
    with contextlib.suppress(ChargeHqError):  # refusing is fine; reading it all is not
        client.push_site_meters(SiteMeters(production_kw=1.0))
    assert server.done.wait(10)
    assert server.sent <= LIMIT + SLACK, f"{server.sent} bytes were read"
