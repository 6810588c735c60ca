"""settle(): a test moves the fake clock on only once every request that reached a loopback
server has had its reply decided. Without it, a request the client gave up on, handled late on
a loaded machine, was counted at the next run's time (a 407 the poller never earned)."""

import socket
import threading

import pytest
import requests

from emulator.httpserve import LoopbackServer, Reply, Request


def test_an_idle_server_is_settled_at_once():
    with LoopbackServer(lambda request: Reply()) as server:
        assert server.settle(timeout=0)


def test_settle_waits_for_a_request_whose_client_gave_up():
    decided = threading.Event()
    release = threading.Event()

    def slow(request: Request) -> Reply:
        release.wait(5)  # a handler thread starved of CPU, as on a loaded machine
        decided.set()
        return Reply()

    with LoopbackServer(slow) as server:
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.post(f"{server.base_url}/x", timeout=(1, 0.05))
        assert not server.settle(timeout=0.05)  # still undecided: not settled
        release.set()
        assert server.settle(timeout=5)
        assert decided.is_set()


def test_a_request_held_as_a_timeout_is_decided_and_does_not_keep_settle_waiting():
    with LoopbackServer(lambda request: Reply(hold=True), timeout_hold=30) as server:
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.post(f"{server.base_url}/x", timeout=(1, 0.05))
        assert server.settle(timeout=5)


def test_a_connection_closed_without_a_request_is_done_too():
    with LoopbackServer(lambda request: Reply()) as server:
        with socket.create_connection(("127.0.0.1", server.port)):
            pass
        assert server.settle(timeout=5)
