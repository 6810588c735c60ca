"""Counting the AWS API calls the handler makes, with a botocore event handler.

Powertools builds its Secrets Manager client from a session of its own, so the counter goes where
moto's own hook goes: botocore's built-in handlers, which every session registers when it is
created. `install()` must therefore run before the first boto3 session or client exists.
Only calls made while `counting` is on are counted, so the harness's own calls (seeding the
secret, deleting the state parameter for the baseline) stay out of the figures.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.handlers

_MARK = "bench_params"


@dataclass
class AwsCalls:
    """Calls per (service, operation, outcome "ok"/"error"), and the KMS use they imply."""

    calls: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    decrypts: int = 0  # successful GetParameter WithDecryption and GetSecretValue
    encrypts: int = 0  # successful PutParameter of a SecureString

    def count(self, service: str, operation: str | None = None, outcome: str | None = None) -> int:
        return sum(
            n
            for (s, op, out), n in self.calls.items()
            if s == service and operation in (None, op) and outcome in (None, out)
        )

    @property
    def kms_requests(self) -> int:
        return self.decrypts + self.encrypts


class AwsCallCounter:
    def __init__(self) -> None:
        self.active = False
        self.calls = AwsCalls()

    def install(self) -> None:
        specs = botocore.handlers.BUILTIN_HANDLERS
        if not any(spec[1] == self._before for spec in specs):
            specs.append(("before-parameter-build", self._before))
            specs.append(("after-call", self._after))

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.active = True
        try:
            yield
        finally:
            self.active = False

    def reset(self) -> AwsCalls:
        """Start a new tally; returns the old one."""
        old, self.calls = self.calls, AwsCalls()
        return old

    def _before(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.active:  # the operation's parameters, before serialisation
            context[_MARK] = dict(params)

    def _after(self, parsed: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        params = context.pop(_MARK, None)
        if params is None:
            return
        service, operation = model.service_model.service_name, model.name
        ok = not (isinstance(parsed, dict) and "Error" in parsed)
        self.calls.calls[(service, operation, "ok" if ok else "error")] += 1
        if not ok:
            return
        stored_type = parsed.get("Parameter", {}).get("Type") if isinstance(parsed, dict) else None
        if operation == "GetSecretValue" or (
            operation == "GetParameter"
            and params.get("WithDecryption")
            and stored_type == "SecureString"
        ):
            self.calls.decrypts += 1
        if operation == "PutParameter" and params.get("Type") == "SecureString":
            self.calls.encrypts += 1
