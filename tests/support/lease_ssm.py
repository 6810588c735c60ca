"""A small in-memory SSM for the state's lease, which takes its SSM call as an argument
(`call(verb, operation, **args)`): only what the lease uses, versions counted as SSM counts them,
errors raised as boto3 raises them."""

from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError


class Ssm:
    """GetParameter and PutParameter on String parameters, versions counted as SSM does; a
    call named in `refuse` fails with AccessDenied; `lose_answers` put calls write, then time
    out before their answer arrives."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[str, int]] = {}
        self.refuse: set[str] = set()
        self.lose_answers = 0

    def __call__(self, verb: str, operation: str, **args: Any) -> Any:
        if operation in self.refuse:
            raise _error("AccessDeniedException", operation)
        return getattr(self, operation)(**args)

    def get_parameter(self, Name: str) -> dict[str, Any]:
        if Name not in self.values:
            raise _error("ParameterNotFound", "GetParameter")
        value, version = self.values[Name]
        return {"Parameter": {"Name": Name, "Value": value, "Version": version, "Type": "String"}}

    def put_parameter(self, Name: str, Value: str, Type: str, Overwrite: bool) -> dict[str, Any]:
        assert Type == "String"
        if Name in self.values and not Overwrite:
            raise _error("ParameterAlreadyExists", "PutParameter")
        version = self.values.get(Name, ("", 0))[1] + 1
        self.values[Name] = (Value, version)
        if self.lose_answers:
            self.lose_answers -= 1
            raise ReadTimeoutError(endpoint_url="https://ssm.eu-west-1.amazonaws.com/")
        return {"Version": version, "Tier": "Standard"}


def _error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} (test)"}}, operation)
