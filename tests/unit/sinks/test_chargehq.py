"""ChargeHQ's "gone" signs, read from the errors the funnel raises (pure, no sockets): a name
with no address at all (EAI_NODATA) is as gone as one that does not exist (EAI_NONAME); the
socket error is found wherever urllib3 keeps it (NameResolutionError's _reason, MaxRetryError's
reason); and a chain of causes that loops back is still judged, once."""

import socket

from urllib3.exceptions import MaxRetryError, NameResolutionError

from fusioncharge.errors import ChargeHqUnavailable
from fusioncharge.sinks.chargehq import looks_gone

HOST = "api.chargehq.net"


def _resolution(errno: int) -> NameResolutionError:
    return NameResolutionError(HOST, None, socket.gaierror(errno, "x"))  # type: ignore[arg-type]


def _unavailable(cause: BaseException) -> ChargeHqUnavailable:
    error = ChargeHqUnavailable(f"could not reach ChargeHQ at {HOST}")
    error.__cause__ = cause
    return error


def test_a_name_with_no_address_left_is_a_sign_of_closing_like_no_such_name():
    assert looks_gone(_unavailable(_resolution(socket.EAI_NODATA)))  # -5 on Linux (Lambda)
    assert looks_gone(_unavailable(_resolution(socket.EAI_NONAME)))
    assert not looks_gone(_unavailable(_resolution(socket.EAI_AGAIN)))


def test_the_name_failure_is_found_as_max_retry_errors_reason():
    # urllib3 keeps the resolver's failure as MaxRetryError.reason, not as its cause
    retried = MaxRetryError(None, "/api/public/push-solar-data", _resolution(socket.EAI_NONAME))  # type: ignore[arg-type]
    assert retried.__cause__ is None and retried.__context__ is None
    assert looks_gone(_unavailable(retried))
    again = MaxRetryError(None, "/api/public/push-solar-data", _resolution(socket.EAI_AGAIN))  # type: ignore[arg-type]
    assert not looks_gone(_unavailable(again))


def test_a_chain_of_causes_that_loops_back_is_judged_and_the_judging_ends():
    outer = ChargeHqUnavailable("could not reach ChargeHQ")
    inner = ConnectionError("reset")
    outer.__cause__, inner.__cause__ = inner, outer  # a loop: no name failure anywhere
    assert not looks_gone(outer)
    inner.__context__ = _resolution(socket.EAI_NONAME)  # the same loop, a name failure in it
    assert looks_gone(outer)
