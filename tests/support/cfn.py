"""The template, loaded as written and as CloudFormation sees it after the SAM transform.

The transform runs locally (aws-sam-translator) with a fake region: no AWS call, no account.
"""

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from tests.support import ROOT

TEMPLATE = ROOT / "template.yaml"
VENV_BIN = ROOT / ".venv" / "bin"
SAM = ROOT / ".venv-sam" / "bin" / "sam"
FAKE_REGION = "eu-west-1"


class _CfnLoader(yaml.SafeLoader):
    """Turns CloudFormation's short forms (!Ref, !Sub, ...) into their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), _CfnLoader)  # noqa: S506 (a SafeLoader subclass)


def transform(template: dict[str, Any], parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """CloudFormation's view of a SAM template, as `sam package` + the transform would give it."""
    template = copy.deepcopy(template)
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):  # sam package uploads local folders to S3
                properties[key] = f"s3://example-bucket/{properties[key]}"
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=FAKE_REGION))
    return translator.translate(
        template,
        parameter_values=parameters or {"Station": "Home"},
        get_managed_policy_map=dict,
    )


NO_VALUE = object()  # AWS::NoValue: the property or list item is left out


def resolve(value: Any, refs: Mapping[str, Any], conditions: Mapping[str, bool]) -> Any:
    """The value with Ref, Fn::GetAtt, Fn::Sub and Fn::If worked out as CloudFormation would:
    `refs` holds each name's value ("Resource.Attribute" for Fn::GetAtt, NO_VALUE for
    AWS::NoValue). A name or function it does not know fails loudly (KeyError, ValueError)."""
    if isinstance(value, list):
        items = [resolve(v, refs, conditions) for v in value]
        return [v for v in items if v is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return refs[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        return refs[".".join(value["Fn::GetAtt"])]
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([\w:.]+)\}", lambda m: str(refs[m.group(1)]), value["Fn::Sub"])
    if set(value) == {"Fn::If"}:
        condition, then, otherwise = value["Fn::If"]
        return resolve(then if conditions[condition] else otherwise, refs, conditions)
    unknown = [k for k in value if k.startswith("Fn::")]
    if unknown:
        raise ValueError(f"resolve() does not know {unknown[0]}: teach it, rather than guess")
    fields = {k: resolve(v, refs, conditions) for k, v in value.items()}
    return {k: v for k, v in fields.items() if v is not NO_VALUE}


def resources_of_type(cfn: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in cfn["Resources"].items() if r["Type"] == kind}


def only_resource(cfn: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    found = resources_of_type(cfn, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def require(path: Path, why: str) -> Path:
    """The tool at path, or a skip that says how to get it (make test installs it)."""
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} is missing ({why}); run `make venv` first")
    return path
