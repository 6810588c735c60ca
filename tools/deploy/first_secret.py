"""After a deploy: a new stack's secret is given the keys of the receivers chosen at the first
deploy's questions (tools/deploy/configure.py noted them), as placeholders, in place of the
template's.

The template creates the secret with fixed placeholders (a deploy never rewrites it); this runs
once, after the first deploy, and only while the secret still holds nothing but placeholders:
a secret a user has started filling in is never touched. Then the note is removed.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

from tools.deploy.configure import MARKER, ROOT

PLACEHOLDER = "REPLACE_ME"
FUSIONSOLAR_KEYS = ("fusionsolar_username", "fusionsolar_system_code")


def fill(secrets: Any, secret_id: str, keys: list[str]) -> bool:
    """Give the secret exactly FusionSolar's and these keys, as placeholders, if it holds only
    placeholders; True when it was written."""
    value = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    if not isinstance(value, dict) or set(value.values()) != {PLACEHOLDER}:
        return False  # filled in (or being filled in): the user's, never rewritten
    wanted = dict.fromkeys((*FUSIONSOLAR_KEYS, *keys), PLACEHOLDER)
    if value != wanted:
        secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps(wanted))
    return True


def apply(secrets: Any, secret: str, marker: Path) -> str | None:
    """What was done, for one line; None when there was nothing to do."""
    if not marker.exists():
        return None
    keys = json.loads(marker.read_text())
    written = fill(secrets, secret, keys)
    marker.unlink()
    if not written:
        return "the secret already holds your values: left as it is"
    return (
        f"the secret holds placeholders for {', '.join((*FUSIONSOLAR_KEYS, *keys))}: fill them "
        "in (make status links to it)"
    )


def main() -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    marker = ROOT / MARKER
    if not marker.exists():
        return 0
    try:
        session = boto3.Session(region_name=os.environ.get("REGION") or None)
        client = session.client("cloudformation")
        stack = client.describe_stacks(StackName=os.environ.get("STACK_NAME", ""))
        outputs = stack["Stacks"][0].get("Outputs", [])
        secret = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "SecretArn")
        said = apply(session.client("secretsmanager"), secret, marker)
    except (BotoCoreError, ClientError, StopIteration, KeyError, IndexError) as exc:
        # No stack yet (the change set was declined) or AWS out of reach: the note stays, so
        # the next make deploy does it; the secret is never written half.
        print(f"# the new secret's keys are set by the next make deploy ({type(exc).__name__})")
        return 0
    if said:
        print(said)
    return 0


if __name__ == "__main__":
    sys.exit(main())
