"""FusionSolar's replies as the emulator serves them: the envelope, failCodes and their
messages, and what each call's record keeps (docs/fusionsolar.md)."""

from dataclasses import dataclass
from typing import Any

from emulator.httpserve import Reply, json_reply

MUST_RELOGIN = {"failCode": 305, "immediately": True, "message": "USER_MUST_RELOGIN"}
TOO_FREQUENT = {
    "data": "ACCESS_FREQUENCY_IS_TOO_HIGH",
    "failCode": 407,
    "params": None,
    "success": False,
}
FAIL_MESSAGES = {
    401: "You do not have the related data interface permission.",
    407: "ACCESS_FREQUENCY_IS_TOO_HIGH",
    20004: "The server is abnormal.",
    20005: "The device ID cannot be empty.",
    20006: "Some devices do not match the device type.",
    20007: "The system does not have the desired power plant resources.",
    20008: "The system does not have the desired device resources.",
    20010: "The plant list cannot be empty.",
    20013: "The device type is incorrect.",
    20014: "A maximum of 100 plants can be queried at a time.",
    20016: "A maximum of 100 devices can be queried at a time.",
    20056: "The owner has not authorized the access to API.",
    20400: "USER_LOCKED_OR_PASSWORD_ERROR",
    20618: "The number of calls today has reached the upper limit.",
}
# Since 2025 a successful login carries a link in `message` (the token is still in the header).
LOGIN_MESSAGE = "Northbound API Reference: https://info.support.huawei.com/DpinfoAppBiz/"
SECRET_PARAMS = frozenset({"systemCode", "xsrfToken", "userName"})


@dataclass(frozen=True)
class CallRecord:
    interface: str
    time: float  # emulator clock
    outcome: str  # ok, fail_code, wrong_password, locked, quota, fault:<kind>, not_found
    fail_code: int | None = None
    http_status: int | None = 200  # None: no reply (timeout fault)


@dataclass(frozen=True)
class Answer:
    reply: Reply
    outcome: str = "ok"
    fail_code: int | None = None


# --- envelopes ------------------------------------------------------------------------------
def params(now: float, body: dict[str, Any]) -> dict[str, Any]:
    """params: the server time in ms and the request's parameters echoed (never a secret)."""
    echo = {k: v for k, v in body.items() if k not in SECRET_PARAMS}
    return {**echo, "currentTime": int(now * 1000)}


def envelope(data: Any, now: float, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": data,
        "failCode": 0,
        "message": None,
        "params": params(now, body),
        "success": True,
    }


def failure_body(
    code: int, now: float, body: dict[str, Any], message: str | None = None
) -> dict[str, Any]:
    if code == 305:
        return MUST_RELOGIN
    if code == 407:
        return TOO_FREQUENT
    return {
        "data": None,
        "failCode": code,
        "message": message or FAIL_MESSAGES.get(code, "error"),
        "params": params(now, body),
        "success": False,
    }


def ok(data: Any, now: float, body: dict[str, Any]) -> Answer:
    return Answer(json_reply(envelope(data, now, body)))


def fail(
    code: int,
    now: float,
    body: dict[str, Any],
    outcome: str = "fail_code",
    message: str | None = None,
) -> Answer:
    return Answer(json_reply(failure_body(code, now, body, message)), outcome, code)


def must_relogin() -> Answer:
    return Answer(json_reply(MUST_RELOGIN), "fail_code", 305)


def too_frequent() -> Answer:
    return Answer(json_reply(TOO_FREQUENT), "quota", 407)


def gateway_info(interface: str) -> str:
    return (
        "Request is rejected by api quotaControl. "
        f"api:ies_PVMSNbiService_thirdData_1.0.78, key:/{interface}_POST"
    )


def split_ids(value: Any) -> list[str]:
    """A comma list as FusionSolar takes it ("a,b"); a lone number counts as one id."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().lstrip("-").isdigit()
