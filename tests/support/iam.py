"""AWS's IAM decision for a request, offline: @cloud-copilot/iam-simulate, run with node.

No IAM logic of our own: the evaluator is a maintained npm package (pinned in
iam_simulate/package-lock.json, installed by `make venv`/`make integration`) that follows AWS's
policy evaluation and checks each request's resource ARN against the resource types AWS's
Service Authorization Reference lists for its action, so a wrongly derived ARN is an error,
never a quiet "denied". One node process decides every request against every policy given.
"""

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.support import ROOT
from tests.support.cfn import require

EVALUATOR = ROOT / "tests" / "support" / "iam_simulate"
ALLOWED = "Allowed"


@dataclass(frozen=True, order=True)
class Request:
    """One authorisation AWS makes: the action (service prefix:Action) on one resource ARN."""

    action: str
    resource: str


def decisions(
    policies: Sequence[dict[str, Any]],
    requests: Sequence[Request],
    *,
    principal: str,
    account: str,
) -> list[list[str]]:
    """For each identity policy, the decision on each request ("Allowed", "ImplicitlyDenied"
    or "ExplicitlyDenied"), the principal holding that policy alone."""
    require(EVALUATOR / "node_modules" / ".installed", "the IAM policy evaluator")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("the IAM policy evaluator needs Node.js (apt-get install nodejs)")
    asked = [r.__dict__ for r in requests]
    jobs = {
        "principal": principal,
        "account": account,
        "jobs": [{"policy": policy, "requests": asked} for policy in policies],
    }
    done = subprocess.run(
        [node, str(EVALUATOR / "evaluate.mjs")],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the IAM policy evaluator failed: {done.stderr.strip()}")
    answers: list[list[dict[str, Any]]] = json.loads(done.stdout)
    for answer in answers:
        refused = [(r, a["error"]) for r, a in zip(requests, answer, strict=True) if "error" in a]
        if refused:
            raise ValueError(f"the IAM policy evaluator refused {refused[0][0]}: {refused[0][1]}")
    return [[a["decision"] for a in answer] for answer in answers]
