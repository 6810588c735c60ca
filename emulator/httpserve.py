"""Serve HTTP on loopback for the emulators: a tiny threaded server, its requests and replies.

Standard library only. Both the FusionSolar emulator and the ChargeHQ receiver build on it.

    from emulator.httpserve import LoopbackServer, Request, Reply, json_reply

    def handle(request: Request) -> Reply:        # called on a server thread, once per request
        return json_reply({"ok": True})

    server = LoopbackServer(handle, host="127.0.0.1", port=0, timeout_hold=30.0)
    server.start()          # -> server; binds (port 0 = ephemeral) and serves in a daemon thread
    server.base_url, server.port  # "http://127.0.0.1:<port>", <port>
    server.settle()         # waits until every request that reached it has its reply decided
    server.stop()           # releases held requests, stops serving, closes the socket; idempotent
    with LoopbackServer(handle) as server: ...    # start/stop
    class MyService(Served): ...  # keeps its LoopbackServer in self._server: start/stop/with/settle

    Request: method, path, headers (case-insensitive, e.g. request.headers.get("XSRF-TOKEN")),
             body (bytes); request.json() -> parsed body, or None if it is not a JSON value.
    Reply:   status, body (bytes), headers (tuple of (name, value) pairs, repeatable),
             hold (True = send nothing: keep the connection open timeout_hold real seconds
             or until stop(), then close it without a reply, as a server that times out).
    json_reply(obj, status=200, headers=()) -> Reply   compact JSON, like the real services.

The replies of a server in trouble (fault kinds, fault_reply) are in emulator.faults.
Unknown paths and methods are the handler's business (return Reply(status=404)).
"""

import json
import select
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Message
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    hold: bool = False


def json_reply(obj: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    body = json.dumps(obj, separators=(",", ":")).encode()
    return Reply(status, body, (("Content-Type", JSON_TYPE), *headers))


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    # HTTP/1.0: one request per connection, so a stopped server leaves no idle keep-alive threads.
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        self._serve()

    do_GET = do_PUT = do_DELETE = do_HEAD = do_POST  # the handler decides what each gets

    def handle(self) -> None:
        try:
            super().handle()
        finally:
            self._decided()  # a connection closed without a (whole) request is done too

    def _decided(self) -> None:
        if not getattr(self, "_was_decided", False):
            self._was_decided = True
            with self.server.owner.lock:
                self.server.owner.undecided -= 1

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.send_error(400, "bad Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        try:
            reply = self.server.owner.handler(Request(self.command, self.path, self.headers, body))
        except Exception:  # a bug in an emulator: say so loudly instead of dropping the line
            traceback.print_exc()
            reply = Reply(500, b"emulator bug: see its stderr", (("Content-Type", "text/plain"),))
        self._decided()
        if reply.hold:
            self.server.owner.stopping.wait(self.server.owner.timeout_hold)
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the emulators record and print calls themselves."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: "LoopbackServer"

    def get_request(self) -> Any:
        # Accepted and counted under one lock: settle() sees a request either still waiting
        # to be accepted or counted, never neither.
        with self.owner.lock:
            accepted = super().get_request()
            self.owner.undecided += 1
        return accepted


class LoopbackServer:
    """An HTTP server in a daemon thread; every request goes to handler(Request) -> Reply."""

    def __init__(
        self,
        handler: Callable[[Request], Reply],
        host: str = "127.0.0.1",
        port: int = 0,
        timeout_hold: float = 30.0,
    ) -> None:
        self.handler = handler
        self.host = host
        self.requested_port = port
        self.timeout_hold = timeout_hold
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.undecided = 0  # requests accepted whose reply the handler has not decided yet
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            return self
        self.stopping.clear()
        server = _Server((self.host, self.requested_port), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() or KeyboardInterrupt (foreground use)."""
        self.start()
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            self.stop()

    def settle(self, timeout: float = 5.0) -> bool:
        """Wait (real time) until each request that reached the server has its reply decided
        (a held one counts); True when settled. Called before a test moves the fake clock on:
        a request its client gave up on, handled late on a loaded machine, would otherwise be
        counted against a quota at the next run's time."""
        end = time.monotonic() + timeout
        while True:
            with self.lock:
                server = self._server
                waiting = server is not None and bool(select.select([server.socket], [], [], 0)[0])
                if not waiting and self.undecided == 0:
                    return True
            if time.monotonic() >= end:
                return False
            time.sleep(0.002)

    def stop(self) -> None:
        server, self._server = self._server, None
        self.stopping.set()  # releases held ("timeout") requests at once
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not running: call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Served:
    """Start/stop and `with` for a service that keeps its LoopbackServer in `self._server`."""

    _server: LoopbackServer

    def start(self) -> Self:
        self._server.start()
        return self

    def settle(self, timeout: float = 5.0) -> bool:
        return self._server.settle(timeout)

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
