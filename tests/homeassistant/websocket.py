"""Home Assistant's websocket API from the test process: a minimal RFC 6455 client (text frames
only) on the standard library, so the dev virtualenv needs no websocket package."""

import base64
import json
import os
import socket
import struct
from typing import Any
from urllib.parse import urlsplit


class HassWebSocket:
    """One authenticated connection; `call` sends a command and returns its result."""

    def __init__(self, base_url: str, token: str, timeout: float = 60.0) -> None:
        url = urlsplit(base_url)
        self._sock = socket.create_connection((url.hostname, url.port or 80), timeout)
        self._file = self._sock.makefile("rb")
        key = base64.b64encode(os.urandom(16)).decode()
        self._sock.sendall(
            (
                f"GET /api/websocket HTTP/1.1\r\nHost: {url.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        status = self._file.readline()
        if b" 101 " not in status:
            raise AssertionError(f"no websocket: {status!r}")
        while self._file.readline() not in (b"\r\n", b""):
            pass
        assert self._receive()["type"] == "auth_required"
        self._send({"type": "auth", "access_token": token})
        reply = self._receive()
        assert reply["type"] == "auth_ok", reply
        self._id = 0

    def call(self, kind: str, **fields: Any) -> Any:
        self._id += 1
        self._send({"id": self._id, "type": kind, **fields})
        while True:
            reply = self._receive()
            if reply.get("id") == self._id and reply.get("type") == "result":
                if not reply.get("success"):
                    raise AssertionError(f"{kind} failed: {reply.get('error')}")
                return reply.get("result")

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> "HassWebSocket":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, message: dict[str, Any]) -> None:
        self._frame(0x1, json.dumps(message).encode())

    def _frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)  # a client masks every frame
        size = len(payload)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self._sock.sendall(header + mask + masked)

    def _receive(self) -> dict[str, Any]:
        """The next text message (fragments joined; pings answered)."""
        data = b""
        while True:
            first, second = self._exactly(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._exactly(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._exactly(8))
            mask = self._exactly(4) if second & 0x80 else b""
            payload = self._exactly(size)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise AssertionError("Home Assistant closed the websocket")
            data += payload
            if first & 0x80:
                return dict(json.loads(data))

    def _exactly(self, size: int) -> bytes:
        data = self._file.read(size)
        if len(data) != size:
            raise AssertionError("the websocket ended mid-frame")
        return data
