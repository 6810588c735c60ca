"""Make a real (moto-backed) boto3 client answer one AWS error, as AWS would send it."""

from typing import Any

from botocore.exceptions import ClientError


def answer_with_error(client: Any, operation: str, code: str, status: int = 400) -> None:
    """From now on, `operation` on this client fails with the AWS error `code`."""

    def refuse(**_: Any) -> None:
        raise ClientError(
            {
                "Error": {"Code": code, "Message": f"{code} (test)"},
                "ResponseMetadata": {"HTTPStatusCode": status},
            },
            operation,
        )

    client.meta.events.register(f"before-call.*.{operation}", refuse)


def read_back_as(client: Any, text: str) -> None:
    """From now on, every GetParameter on this client reads `text` (a store that corrupts)."""

    def corrupt(parsed: dict[str, Any], **_: Any) -> None:
        if "Parameter" in parsed:
            parsed["Parameter"]["Value"] = text

    client.meta.events.register("after-call.ssm.GetParameter", corrupt)


def fail_calls(
    client: Any, operation: str, code: str, numbers: set[int] | range, name: str | None = None
) -> None:
    """The calls of `operation` with these numbers (1 = the next) fail with the AWS error;
    with `name`, only the calls on that parameter are numbered (and fail)."""
    seen = {"calls": 0}

    def maybe_refuse(params: dict[str, Any] | None = None, **_: Any) -> None:
        if name is not None and (params or {}).get("Name") != name:
            return
        seen["calls"] += 1
        if seen["calls"] in numbers:
            raise ClientError(
                {"Error": {"Code": code, "Message": f"{code} (test)"}, "ResponseMetadata": {}},
                operation,
            )

    # The API parameters (the Name) are in before-parameter-build; before-call has the body.
    event = "before-parameter-build" if name is not None else "before-call"
    client.meta.events.register(f"{event}.*.{operation}", maybe_refuse)


def hang_calls(client: Any, operation: str, clock: Any, seconds: float) -> list[float]:
    """From now on, every attempt of `operation` on this client hangs: the fake clock moves on
    `seconds` (the client's timeouts) and the attempt ends in a read timeout, as a socket that
    never answers would. No real time passes. Returns the times each attempt started."""
    from botocore.exceptions import ReadTimeoutError

    started: list[float] = []

    def hang(**_: Any) -> None:
        started.append(clock.now())
        clock.advance(seconds)
        raise ReadTimeoutError(endpoint_url=f"https://aws.invalid/{operation}")

    client.meta.events.register(f"before-send.*.{operation}", hang)
    return started
