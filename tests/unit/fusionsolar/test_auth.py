"""Which login replies are Huawei's explicit "too many calls" (auth.py's quota_refusal): the one
refusal that is not a possible wrong password, so the only one not counted by the guard."""

import pytest

from fusioncharge.fusionsolar.auth import quota_refusal
from fusioncharge.fusionsolar.transport import Reply


def reply(status: int, body: bytes) -> Reply:
    return Reply(status=status, body=body, token=None, requests_sent=1)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (429, b""),
        (200, b'{"errorCode": "49401021002"}'),  # the API gateway's quota, any status
        (403, b'{"errorCode": 49401021002, "failCode": 20400}'),
        (200, b'{"success": false, "failCode": 407}'),
        (200, b'{"success": false, "failCode": 20618}'),
    ],
)
def test_a_quota_reply_is_not_a_possible_wrong_password(status, body):
    assert quota_refusal(reply(status, body)) is True


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b'{"success": false, "failCode": 20400}'),
        (200, b'{"success": false, "failCode": 406}'),
        (200, b'{"errorCode": "49401021003"}'),
        (200, b"[407]"),  # JSON, but no envelope
        (200, b'"49401021002"'),
        (200, b"<html>too many</html>"),
        (200, b""),
        (403, b"\xff\xfe"),
    ],
)
def test_any_other_refusal_may_be_a_wrong_password(status, body):
    assert quota_refusal(reply(status, body)) is False


def test_a_reply_nested_too_deep_to_read_is_not_a_quota_refusal():
    """json.loads gives up on deep nesting with RecursionError: that is no quota reply either,
    and the login still counts as a possible wrong password rather than crashing the run."""
    assert quota_refusal(reply(200, b"[" * 100_000 + b"]" * 100_000)) is False
