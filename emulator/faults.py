"""The faults a scenario can script, and the replies of a server in trouble.

fault_reply(kind, ok_body=b"") -> Reply            the transport-level faults, by kind:
    "timeout"        hold, no reply
    "html"           HTTP 200 with an HTML error page
    "empty_body"     HTTP 200 with an empty body
    "truncated_json" HTTP 200, application/json, ok_body cut in the middle
    "http_500"       HTTP 500 with an HTML error page
    "http_429"       HTTP 429 with a JSON error body
    "http_403_quota" HTTP 403 with the quota-control body FusionSolar really sends
FAULT_KINDS: the kinds above, the FusionSolar emulator's own (READING_FAULTS, LOGIN_FAULTS)
and "fail_code" (which only the FusionSolar emulator serves).
"""

from emulator.httpserve import JSON_TYPE, Reply, json_reply

TRANSPORT_FAULTS = frozenset(
    {"timeout", "html", "empty_body", "truncated_json", "http_500", "http_429", "http_403_quota"}
)
# Kinds only the FusionSolar emulator serves: a failCode, a reading it cannot be (the grid
# meters' overflow sentinel), success with no data, and the gateway's quota body.
READING_FAULTS = frozenset({"overflow_sentinel", "data_empty", "data_null", "gateway_quota"})
# Odd answers a login may get (Huawei changed its login reply once already): each is counted as
# a refused login by the poller's guard.
LOGIN_FAULTS = frozenset({"http_401", "http_403", "success_false", "empty_object"})
FAULT_KINDS = TRANSPORT_FAULTS | READING_FAULTS | LOGIN_FAULTS | {"fail_code"}

HTML_TYPE = "text/html;charset=UTF-8"
# Exactly what FusionSolar's API gateway answered when the system-wide quota was hit.
QUOTA_CONTROL_BODY = {
    "errorCode": "49401021002",
    "exceptionInfo": "Request is rejected by api quotaControl. "
    "api:ies_PVMSNbiService_thirdData_1.0.78, key:/getStationList_POST",
}
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Service temporarily unavailable</h1><p>Please try again later.</p></body></html>"
)


def fault_reply(kind: str, ok_body: bytes = b"") -> Reply:
    """The reply a server in trouble gives; ok_body is what a healthy reply would have been."""
    if kind == "timeout":
        return Reply(hold=True)
    if kind == "html":
        return Reply(200, _HTML_PAGE, (("Content-Type", HTML_TYPE),))
    if kind == "empty_body":
        return Reply(200, b"", (("Content-Type", JSON_TYPE),))
    if kind == "truncated_json":
        body = ok_body if len(ok_body) >= 2 else b'{"success":true,"data":{}}'
        return Reply(200, body[: len(body) // 2], (("Content-Type", JSON_TYPE),))
    if kind == "http_500":
        return Reply(500, _HTML_PAGE, (("Content-Type", HTML_TYPE),))
    if kind == "http_429":
        return json_reply({"errorCode": "429", "exceptionInfo": "Too Many Requests"}, status=429)
    if kind == "http_403_quota":
        return json_reply(QUOTA_CONTROL_BODY, status=403)
    raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(TRANSPORT_FAULTS)}")
