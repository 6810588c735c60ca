"""The unit tier: no sockets, no subprocesses, no moto. Each test here fails if it tries one,
so the tier stays fast (make unit) and a test that needs more moves to tests/integration."""

import socket
import subprocess

import pytest


def _refused(*args: object, **kwargs: object) -> None:
    raise AssertionError("a unit test opened a socket or a subprocess: it belongs in integration")


@pytest.fixture(autouse=True)
def _no_sockets_or_subprocesses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refused)
    monkeypatch.setattr(socket.socket, "bind", _refused)
    monkeypatch.setattr(subprocess.Popen, "__init__", _refused)
