"""The sinks' HTTP funnel's text written out: a reply's excerpt is one printable line, cut
with an ellipsis at its limit; a failure is named by its innermost cause's class, never by a
message that could echo an address."""

import pytest
import requests
from urllib3.exceptions import NewConnectionError

from fusioncharge.sinks.http import _cause, one_line


@pytest.mark.parametrize(
    ("text", "limit", "line"),
    [
        ("  a\tb\r\nc  ", 10, "a b c"),
        ("a\x00b\x1bc", 10, "a b c"),
        ("abcdefghij", 10, "abcdefghij"),
        ("abcdefghijk", 10, "abcdefghi…"),
        ("", 5, ""),
    ],
)
def test_an_excerpt_is_one_printable_line_cut_at_its_limit(text, limit, line):
    assert one_line(text, limit) == line
    assert len(one_line(text, limit)) <= limit


def test_a_failure_is_named_by_its_innermost_cause():
    try:
        try:
            raise ConnectionRefusedError("https://hooks.example/secret-id refused")
        except ConnectionRefusedError:
            raise requests.exceptions.ConnectionError("https://hooks.example/secret-id") from None
    except requests.exceptions.ConnectionError as outer:
        assert _cause(outer) == "ConnectionRefusedError"
    reason = NewConnectionError(None, "https://hooks.example/secret-id")  # type: ignore[arg-type]
    wrapped = requests.exceptions.ConnectionError(reason)
    wrapped.reason = ConnectionResetError("x")  # type: ignore[attr-defined]
    assert _cause(wrapped) == "ConnectionResetError"
    assert _cause(ValueError("x")) == "ValueError"
