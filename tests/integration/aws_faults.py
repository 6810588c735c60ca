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
