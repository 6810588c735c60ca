"""The first deploy's receivers reach the new secret: the questions (tools/deploy/configure.py) note
the chosen receivers' keys, and after the deploy (moto here) tools/deploy/first_secret.py gives the
template's new secret exactly those keys and FusionSolar's, as placeholders; a secret a user
has started filling in, and an existing setup, are never touched."""

import io
import json

import boto3
import pytest

from fusioncharge.settings.secret import parse_secret
from tests.support import ROOT
from tests.support.cfn import load_template
from tools.deploy import configure
from tools.deploy.first_secret import apply
from tools.local.lambda_env import REGION, fake_aws

ANSWERS = "eu-central-1\neu5\nHome\nhass\n\n"  # region, portal, plant, receivers, no e-mail
STACK = "my-solar"


def _template_secret() -> str:
    """The secret as the template creates it (what CloudFormation writes at the first deploy)."""
    return load_template()["Resources"]["CredentialsSecret"]["Properties"]["SecretString"]


def _deployed(secret_string: str) -> tuple[object, str]:
    """The stack's secret (its SecretArn output) in moto, holding `secret_string`."""
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name=f"{STACK}/credentials", SecretString=secret_string)["ARN"]
    return secrets, arn


def _first_questions(tmp_path, monkeypatch: pytest.MonkeyPatch, answers: str = ANSWERS) -> None:
    monkeypatch.setenv("CONFIGURE_FROM_STDIN", "1")
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    config = tmp_path / "samconfig.local.toml"
    args = ["--config", str(config), "--shared", str(ROOT / "samconfig.toml")]
    assert configure.main([*args, "--template", str(ROOT / "template.yaml")]) == 0


def test_a_first_deploy_with_home_assistant_only_makes_a_secret_of_exactly_its_keys(
    tmp_path, monkeypatch
):
    _first_questions(tmp_path, monkeypatch)
    marker = tmp_path / configure.MARKER
    with fake_aws():
        secrets, arn = _deployed(_template_secret())
        said = apply(secrets, arn, marker)
        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    assert value == {
        "fusionsolar_username": "REPLACE_ME",
        "fusionsolar_system_code": "REPLACE_ME",
        "hass_webhook_url": "REPLACE_ME",
    }
    assert said is not None and "ChargeHQ" not in said and "chargehq" not in said
    missing = parse_secret(value, arn).missing(("hass",))
    assert missing == ["fusionsolar_username", "fusionsolar_system_code", "hass_webhook_url"]
    assert not marker.exists()  # once: a later deploy never writes the secret again


def test_a_secret_a_user_started_filling_in_is_never_touched(tmp_path, monkeypatch):
    _first_questions(tmp_path, monkeypatch)
    started = json.loads(_template_secret()) | {"fusionsolar_username": "me"}
    with fake_aws():
        secrets, arn = _deployed(json.dumps(started))
        said = apply(secrets, arn, tmp_path / configure.MARKER)
        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    assert value == started and "left as it is" in (said or "")


def test_without_the_first_questions_nothing_is_written(tmp_path):
    with fake_aws():
        secrets, arn = _deployed(_template_secret())
        assert apply(secrets, arn, tmp_path / configure.MARKER) is None
        value = secrets.get_secret_value(SecretId=arn)["SecretString"]
    assert value == _template_secret()  # an existing stack keeps chargehq and its secret
